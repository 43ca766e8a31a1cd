import GRUTensor
import GRUTestSupport
import Testing

/// GRUKIT_NUM_THREADS's values: whole numbers from 1 to the team's 16 threads, nothing else.
@Suite(.tags(.unit))
struct ThreadCountSettingTests {
    @Test func wholeNumbersFromOneToSixteenAreThreadCounts() {
        #expect(ThreadCountSetting.parse("1") == .success(1))
        #expect(ThreadCountSetting.parse("16") == .success(16))
        #expect(ThreadCountSetting.parse(" 4 ") == .success(4))
    }

    @Test(arguments: ["0", "17", "-1", "2.5", "two", "", "1e3"])
    func otherValuesAreRefusedWithWhatWasExpected(_ text: String) {
        guard case .failure(let error) = ThreadCountSetting.parse(text) else {
            Issue.record("'\(text)' was taken as a thread count")
            return
        }
        #expect(error.description == "GRUKIT_NUM_THREADS is '\(text)'; expected a whole number from 1 to 16")
    }

    @Test func anUnsetOrBlankVariableAsksForNothing() throws {
        #expect(try ThreadCountSetting.requestedCount(in: [:]).get() == nil)
        #expect(try ThreadCountSetting.requestedCount(in: ["GRUKIT_NUM_THREADS": " "]).get() == nil)
        #expect(try ThreadCountSetting.requestedCount(in: ["GRUKIT_NUM_THREADS": "2"]).get() == 2)
        #expect(throws: ThreadCountError.self) {
            try ThreadCountSetting.requestedCount(in: ["GRUKIT_NUM_THREADS": "x"]).get()
        }
    }
}
