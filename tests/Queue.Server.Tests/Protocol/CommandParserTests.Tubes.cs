namespace Queue.Server.Tests.Protocol;

// Tube names (notes §2.2): use/watch/ignore/stats-tube take the whole rest of the line;
// pause-tube scans a run of name characters after spaces.
public sealed partial class CommandParserTests
{
    public static TheoryData<string> NameVerbs => new() { "use", "watch", "ignore", "stats-tube" };

    private static string Op(string verb) => verb switch
    {
        "use" => "Use",
        "watch" => "Watch",
        "ignore" => "Ignore",
        _ => "StatsTube",
    };

    [Theory, MemberData(nameof(NameVerbs))]
    public void NameVerb_OneCharacter_Accepted(string verb) => AssertParse(verb + " a", $"{Op(verb)} Pending tube=a");

    [Theory, MemberData(nameof(NameVerbs))]
    public void NameVerb_200Characters_Accepted(string verb)
    {
        string name = new('n', 200);
        AssertParse($"{verb} {name}", $"{Op(verb)} Pending tube={name}");
    }

    [Theory, MemberData(nameof(NameVerbs))]
    public void NameVerb_201Characters_BadFormat(string verb) => AssertParse($"{verb} {new string('n', 201)}", BadFormat);

    [Theory, MemberData(nameof(NameVerbs))]
    public void NameVerb_LeadingHyphen_BadFormat(string verb) => AssertParse(verb + " -foo", BadFormat);

    [Theory, MemberData(nameof(NameVerbs))]
    public void NameVerb_TwoSpacesBeforeName_BadFormat(string verb) => AssertParse(verb + "  foo", BadFormat);

    [Theory, MemberData(nameof(NameVerbs))]
    public void NameVerb_TrailingSpace_BadFormat(string verb) => AssertParse(verb + " foo ", BadFormat);

    [Theory, MemberData(nameof(NameVerbs))]
    public void NameVerb_EveryAllowedCharacter_Accepted(string verb)
    {
        const string all = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-+/;.$_()";
        AssertParse($"{verb} {all}", $"{Op(verb)} Pending tube={all}");
    }

    [Theory]
    [InlineData("a-")]
    [InlineData("a+")]
    [InlineData("a/")]
    [InlineData("a;")]
    [InlineData("a.")]
    [InlineData("a$")]
    [InlineData("a_")]
    [InlineData("a(")]
    [InlineData("a)")]
    [InlineData("+")]
    [InlineData("(")]
    [InlineData("0123")]
    public void Use_AllowedPunctuation_Using(string name) => AssertParse("use " + name, "Use Pending tube=" + name);

    [Theory]
    [InlineData("f*o")]
    [InlineData("a#")]
    [InlineData("a!")]
    [InlineData("a:")]
    [InlineData("a,")]
    [InlineData("a@")]
    [InlineData("a\t")]
    [InlineData("a\r")]
    [InlineData("a\x7f")]
    [InlineData("caf\xe9")]
    [InlineData("a b")]
    [InlineData("-")]
    public void Use_DisallowedCharacter_BadFormat(string name) => AssertParse("use " + name, BadFormat);

    [Theory]
    [InlineData("pause-tube  default  1", "PauseTube Pending delay=1 tube=default")]
    [InlineData("pause-tube default 0", "PauseTube Pending tube=default")]
    [InlineData("pause-tube 1 2", "PauseTube Pending delay=2 tube=1")]
    [InlineData("pause-tube a(b)c 5", "PauseTube Pending delay=5 tube=a(b)c")]
    public void PauseTube_NameScan_Paused(string line, string expected) => AssertParse(line, expected);

    [Theory]
    [InlineData("pause-tube")]
    [InlineData("pause-tube ")]
    [InlineData("pause-tube * 1")]
    [InlineData("pause-tube def*ault 1")]
    [InlineData("pause-tube default")]
    [InlineData("pause-tube default x")]
    [InlineData("pause-tube default\t1")]
    [InlineData("pause-tubedefault1")]
    public void PauseTube_ScanOrDelayFails_UncountedBadFormat(string line) => AssertParse(line, BadFormat);

    [Fact]
    public void PauseTube_LeadingHyphenAfterScan_CountedBadFormat() => AssertParse("pause-tube -x 1", "PauseTube BadFormat delay=1");

    [Fact]
    public void PauseTube_201CharacterNameAfterScan_CountedBadFormat() =>
        AssertParse($"pause-tube {new string('p', 201)} 7", "PauseTube BadFormat delay=7");

    [Fact]
    public void PauseTube_200CharacterName_Paused()
    {
        string name = new('p', 200);
        AssertParse($"pause-tube {name} 4294967295", $"PauseTube Pending delay=4294967295 tube={name}");
    }
}
