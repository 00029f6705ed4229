namespace Queue.LoadGen.Cli;

/// <summary>beanstalkd tube-name rules: 1..200 chars of <c>A-Za-z0-9-+/;.$_()</c>, not starting with '-'.</summary>
internal static class TubeNames
{
    private const int MaxLength = 200;
    private const string Extra = "-+/;.$_()";

    public static bool IsValid(string name)
    {
        if (name.Length is 0 or > MaxLength || name[0] == '-')
        {
            return false;
        }

        foreach (char c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && !Extra.Contains(c, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }
}
