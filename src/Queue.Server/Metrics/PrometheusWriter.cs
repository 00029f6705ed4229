using System.Globalization;
using System.Text;

namespace Queue.Server.Metrics;

/// <summary>
/// Writes the Prometheus text exposition format 0.0.4: per metric family one <c># HELP</c> and one
/// <c># TYPE</c> line, then its samples, each <c>name{label="value",...} number</c> on its own line.
/// A family must be written in one go (all its samples after its header).
/// </summary>
internal sealed class PrometheusWriter
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly StringBuilder _text;
    private string? _family;

    public PrometheusWriter(StringBuilder? text = null) => _text = text ?? new StringBuilder(8192);

    public override string ToString() => _text.ToString();

    /// <summary>Starts a family: its help text and type (counter, gauge, histogram, untyped). Repeating the current family is a no-op.</summary>
    public PrometheusWriter Family(string name, string type, string help)
    {
        if (name == _family) return this;
        _family = name;
        _text.Append("# HELP ").Append(name).Append(' ');
        foreach (char c in help)
        {
            if (c == '\\') _text.Append("\\\\");
            else if (c == '\n') _text.Append("\\n");
            else _text.Append(c);
        }
        _text.Append('\n');
        _text.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
        return this;
    }

    public PrometheusWriter Counter(string name, string help, double value) => Family(name, "counter", help).Sample(name, value);

    public PrometheusWriter Gauge(string name, string help, double value) => Family(name, "gauge", help).Sample(name, value);

    /// <summary>One sample line; labels are name/value pairs.</summary>
    public PrometheusWriter Sample(string name, double value, params ReadOnlySpan<(string Name, string Value)> labels)
    {
        _text.Append(name);
        if (labels.Length > 0)
        {
            _text.Append('{');
            for (int i = 0; i < labels.Length; i++)
            {
                if (i > 0) _text.Append(',');
                _text.Append(labels[i].Name).Append("=\"");
                AppendLabelValue(labels[i].Value);
                _text.Append('"');
            }
            _text.Append('}');
        }
        _text.Append(' ').Append(FormatNumber(value)).Append('\n');
        return this;
    }

    /// <summary>
    /// A histogram family: <c>_bucket</c> lines with cumulative counts per upper bound (the last
    /// count is the +Inf bucket), then <c>_sum</c> and <c>_count</c>.
    /// </summary>
    public PrometheusWriter Histogram(string name, string help, IReadOnlyList<double> bounds, IReadOnlyList<long> cumulative, long count, double sum)
    {
        if (cumulative.Count != bounds.Count + 1) throw new ArgumentException("one cumulative count per bound plus +Inf", nameof(cumulative));
        Family(name, "histogram", help);
        for (int i = 0; i < bounds.Count; i++) Sample(name + "_bucket", cumulative[i], ("le", FormatNumber(bounds[i])));
        Sample(name + "_bucket", cumulative[^1], ("le", "+Inf"));
        Sample(name + "_sum", sum);
        Sample(name + "_count", count);
        return this;
    }

    /// <summary>Go-style float text as Prometheus expects: shortest round-trip form, +Inf, -Inf, NaN.</summary>
    public static string FormatNumber(double value)
    {
        if (double.IsPositiveInfinity(value)) return "+Inf";
        if (double.IsNegativeInfinity(value)) return "-Inf";
        if (double.IsNaN(value)) return "NaN";
        if (value == Math.Floor(value) && Math.Abs(value) < 1e15) return ((long)value).ToString(CultureInfo.InvariantCulture);
        return value.ToString("R", CultureInfo.InvariantCulture);
    }

    /// <summary>Metric names allow [a-zA-Z0-9_:]; stats keys use '-'. Anything else becomes '_'.</summary>
    public static string MetricName(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (char c in text) sb.Append(char.IsAsciiLetterOrDigit(c) || c is '_' or ':' ? c : '_');
        if (sb.Length == 0 || char.IsAsciiDigit(sb[0])) sb.Insert(0, '_');
        return sb.ToString();
    }

    private void AppendLabelValue(string value)
    {
        foreach (char c in value)
        {
            switch (c)
            {
                case '\\': _text.Append("\\\\"); break;
                case '"': _text.Append("\\\""); break;
                case '\n': _text.Append("\\n"); break;
                default: _text.Append(c); break;
            }
        }
    }
}
