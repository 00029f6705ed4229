using System.Text;
using Queue.Storage;
using Queue.Storage.Model;

namespace Queue.Server.Protocol;

/// <summary>
/// Turns one command line (without its CRLF) into a <see cref="ParsedCommand"/>, reproducing
/// beanstalkd 1.12's dispatch: verbs are matched by prefix in a fixed order, so `quitx` quits,
/// `pause-tubedefault 1` pauses and `reservex` is BAD_FORMAT while `delete` is UNKNOWN_COMMAND.
/// </summary>
internal static class CommandParser
{
    public static ParsedCommand Parse(ReadOnlySpan<byte> line, long maxJobSize)
    {
        if (line.IndexOf((byte)0) >= 0) return ParsedCommand.Error(CommandStatus.BadFormat);

        // The order matters: the first matching prefix wins (beanstalkd which_cmd).
        if (line.StartsWith("put "u8)) return ParsePut(line, maxJobSize);
        if (line.StartsWith("peek "u8)) return IdCommand(Operation.Peek, line, 5);
        if (line.StartsWith("peek-ready"u8)) return Bare(Operation.PeekReady, line, 10);
        if (line.StartsWith("peek-delayed"u8)) return Bare(Operation.PeekDelayed, line, 12);
        if (line.StartsWith("peek-buried"u8)) return Bare(Operation.PeekBuried, line, 11);
        if (line.StartsWith("reserve-with-timeout "u8)) return ParseReserveWithTimeout(line);
        if (line.StartsWith("reserve-job "u8)) return IdCommand(Operation.ReserveJob, line, 12);
        if (line.StartsWith("reserve"u8)) return Bare(Operation.Reserve, line, 7);
        if (line.StartsWith("delete "u8)) return IdCommand(Operation.Delete, line, 7);
        if (line.StartsWith("release "u8)) return ParseRelease(line);
        if (line.StartsWith("bury "u8)) return ParseBury(line);
        if (line.StartsWith("kick "u8)) return ParseKick(line);
        if (line.StartsWith("kick-job "u8)) return IdCommand(Operation.KickJob, line, 9);
        if (line.StartsWith("touch "u8)) return IdCommand(Operation.Touch, line, 6);
        if (line.StartsWith("stats-job "u8)) return IdCommand(Operation.StatsJob, line, 10);
        if (line.StartsWith("stats-tube "u8)) return NameCommand(Operation.StatsTube, line, 11);
        if (line.StartsWith("stats"u8)) return Bare(Operation.Stats, line, 5);
        if (line.StartsWith("use "u8)) return NameCommand(Operation.Use, line, 4);
        if (line.StartsWith("watch "u8)) return NameCommand(Operation.Watch, line, 6);
        if (line.StartsWith("ignore "u8)) return NameCommand(Operation.Ignore, line, 7);
        if (line.StartsWith("list-tubes-watched"u8)) return Bare(Operation.ListTubesWatched, line, 18);
        if (line.StartsWith("list-tube-used"u8)) return Bare(Operation.ListTubeUsed, line, 14);
        if (line.StartsWith("list-tubes"u8)) return Bare(Operation.ListTubes, line, 10);
        if (line.StartsWith("quit"u8)) return new ParsedCommand { Quit = true };
        if (line.StartsWith("pause-tube"u8)) return ParsePauseTube(line);
        return ParsedCommand.Error(CommandStatus.UnknownCommand);
    }

    // put <pri> <delay> <ttr> <bytes>
    private static ParsedCommand ParsePut(ReadOnlySpan<byte> line, long maxJobSize)
    {
        int pos = 4;
        if (!CNumbers.ReadU32(line, ref pos, false, out uint pri) ||
            !CNumbers.ReadU32(line, ref pos, false, out uint delay) ||
            !CNumbers.ReadU32(line, ref pos, false, out uint ttr) ||
            !CNumbers.ReadU32(line, ref pos, false, out uint bytes))
        {
            return ParsedCommand.Error(CommandStatus.BadFormat);
        }
        // Counted from here on. The size check comes before the trailing-garbage check.
        var cmd = new ParsedCommand { Op = Operation.Put, Priority = pri, Delay = delay, Ttr = ttr, Bytes = bytes };
        if (bytes > maxJobSize) cmd.Status = CommandStatus.JobTooBig;
        else if (pos != line.Length) cmd.Status = CommandStatus.BadFormat;
        return cmd;
    }

    // reserve-with-timeout <seconds>: 1.12 reads it with strtol into an int, ignoring trailing bytes
    private static ParsedCommand ParseReserveWithTimeout(ReadOnlySpan<byte> line)
    {
        if (!CNumbers.StrToL(line[21..], out long seconds)) return ParsedCommand.Error(CommandStatus.BadFormat);
        return new ParsedCommand { Op = Operation.ReserveWithTimeout, Number = (int)seconds };
    }

    // release <id> <pri> <delay>
    private static ParsedCommand ParseRelease(ReadOnlySpan<byte> line)
    {
        int pos = 8;
        if (!CNumbers.ReadU64(line, ref pos, false, out ulong id) ||
            !CNumbers.ReadU32(line, ref pos, false, out uint pri) ||
            !CNumbers.ReadU32(line, ref pos, true, out uint delay))
        {
            return ParsedCommand.Error(CommandStatus.BadFormat);
        }
        return new ParsedCommand { Op = Operation.Release, Id = id, Priority = pri, Delay = delay };
    }

    // bury <id> <pri>
    private static ParsedCommand ParseBury(ReadOnlySpan<byte> line)
    {
        int pos = 5;
        if (!CNumbers.ReadU64(line, ref pos, false, out ulong id) || !CNumbers.ReadU32(line, ref pos, true, out uint pri))
        {
            return ParsedCommand.Error(CommandStatus.BadFormat);
        }
        return new ParsedCommand { Op = Operation.Bury, Id = id, Priority = pri };
    }

    // kick <bound>: strtoul, truncated to 32 bits (so -1 kicks everything and 2^32 kicks nothing)
    private static ParsedCommand ParseKick(ReadOnlySpan<byte> line)
    {
        if (!CNumbers.StrToUL(line[5..], out ulong bound)) return ParsedCommand.Error(CommandStatus.BadFormat);
        return new ParsedCommand { Op = Operation.Kick, Number = (uint)bound };
    }

    // pause-tube <tube> <delay>: the name is the longest run of name characters after spaces
    private static ParsedCommand ParsePauseTube(ReadOnlySpan<byte> line)
    {
        int start = 10;
        while (start < line.Length && line[start] == ' ') start++;
        int nameEnd = start;
        while (nameEnd < line.Length && TubeNames.IsNameChar(line[nameEnd])) nameEnd++;
        int pos = nameEnd;
        if (nameEnd == start || !CNumbers.ReadU32(line, ref pos, true, out uint delay))
        {
            return ParsedCommand.Error(CommandStatus.BadFormat);
        }
        // Counted from here, even when the name then fails the length or leading '-' check.
        var name = line[start..nameEnd];
        var cmd = new ParsedCommand { Op = Operation.PauseTube, Delay = delay };
        if (!TubeNames.IsValid(name)) cmd.Status = CommandStatus.BadFormat;
        else cmd.Tube = TubeNameCache.Get(name);
        return cmd;
    }

    private static ParsedCommand Bare(Operation op, ReadOnlySpan<byte> line, int length) =>
        line.Length == length ? new ParsedCommand { Op = op } : ParsedCommand.Error(CommandStatus.BadFormat);

    private static ParsedCommand IdCommand(Operation op, ReadOnlySpan<byte> line, int prefix)
    {
        int pos = prefix;
        return CNumbers.ReadU64(line, ref pos, true, out ulong id)
            ? new ParsedCommand { Op = op, Id = id }
            : ParsedCommand.Error(CommandStatus.BadFormat);
    }

    // use/watch/ignore/stats-tube <tube>: the whole rest of the line must be a valid name
    private static ParsedCommand NameCommand(Operation op, ReadOnlySpan<byte> line, int prefix)
    {
        var name = line[prefix..];
        return TubeNames.IsValid(name)
            ? new ParsedCommand { Op = op, Tube = TubeNameCache.Get(name) }
            : ParsedCommand.Error(CommandStatus.BadFormat);
    }
}

/// <summary>Avoids a string allocation for the tube names a server sees over and over.</summary>
internal static class TubeNameCache
{
    [ThreadStatic] private static string? t_last;

    public static string Get(ReadOnlySpan<byte> name)
    {
        var last = t_last;
        if (last is not null && last.Length == name.Length && Matches(last, name)) return last;
        if (name.SequenceEqual("default"u8)) return TubeNames.Default;
        var s = Encoding.ASCII.GetString(name);
        t_last = s;
        return s;
    }

    private static bool Matches(string s, ReadOnlySpan<byte> name)
    {
        for (int i = 0; i < name.Length; i++)
        {
            if (s[i] != name[i]) return false;
        }
        return true;
    }
}
