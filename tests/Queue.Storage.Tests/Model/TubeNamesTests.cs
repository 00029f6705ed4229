using System.Text;
using Queue.Storage.Model;

namespace Queue.Storage.Tests.Model;

public class TubeNamesTests
{
    [Theory]
    [InlineData("default")]
    [InlineData("a")]
    [InlineData("A-Z_a.z+0/9;$()")]
    [InlineData("x-")]
    public void IsValid_AcceptsNameCharacters(string name)
    {
        Assert.True(TubeNames.IsValid(name));
        Assert.True(TubeNames.IsValid(Encoding.ASCII.GetBytes(name)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("-leading")]
    [InlineData("with space")]
    [InlineData("star*")]
    [InlineData("tab\t")]
    [InlineData("caf\u00e9")]
    public void IsValid_RejectsEmptyLeadingDashAndOtherCharacters(string name)
    {
        Assert.False(TubeNames.IsValid(name));
        Assert.False(TubeNames.IsValid(Encoding.UTF8.GetBytes(name)));
    }

    [Fact]
    public void IsValid_LengthLimitIs200()
    {
        Assert.True(TubeNames.IsValid(new string('t', 200)));
        Assert.False(TubeNames.IsValid(new string('t', 201)));
        Assert.False(TubeNames.IsValid(Encoding.ASCII.GetBytes(new string('t', 201))));
    }
}
