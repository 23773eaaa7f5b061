import Support
import Testing

@Suite("Option text helpers")
struct SupportTests {
  @Test func commaLists() {
    #expect(CommaList.items(" a, b ,,c ") == ["a", "b", "c"])
    #expect(CommaList.integers("1, 2,4") == [1, 2, 4])
    #expect(CommaList.integers("1,x") == nil && CommaList.integers("") == nil)
  }

  @Test func closestNames() {
    let names = ["layer4.2.conv2", "layer4.2.conv1", "layer3.1.conv2", "fc"]
    #expect(ClosestNames.to("layer4.2.cnv2", in: names, limit: 1) == ["layer4.2.conv2"])
    #expect(ClosestNames.editDistance("kitten", "sitting") == 3)
    #expect(ClosestNames.truncated(String(repeating: "y", count: 100), limit: 10) == "yyyyyyyyyy…")
  }
}
