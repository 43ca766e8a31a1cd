import GRUNetworks
import GRUTestSupport
import GRUTraining
import Testing

/// The one-line messages of the errors users see: composed from a subject, what was found and
/// what was expected. (GRUInputError lives in GRUNetworks; its tests are here because its
/// structured form is used by the training and workflow code.)
@Suite(.tags(.unit))
struct ErrorMessageTests {
    @Test func anInputErrorIsSubjectFoundExpected() {
        let error = GRUInputError(.tensor("input"), found: "shape [5, 2, 2]", expected: "(T, B, 3)")
        #expect(error.description == "input: shape [5, 2, 2]; expected (T, B, 3)")
        #expect(error.subject == .tensor("input"))
        let located = error.located(in: "x.npy")
        #expect(located.description == "x.npy: input: shape [5, 2, 2]; expected (T, B, 3)")
        #expect(located.file == "x.npy")
        // Located twice, the innermost file stays.
        #expect(located.located(in: "other.npy") == located)
        let file = GRUInputError(.file("w.safetensors"), found: "no tensors", expected: "weight_ih_l0")
        #expect(file.located(in: "w.safetensors") == file)
        #expect(
            GRUInputError(.setting("--top-k"), found: "", expected: "at least 1").description
                == "--top-k: expected at least 1")
    }

    @Test func aDivergedRunNamesTheEpochAndStep() {
        let loss = TrainingDivergedError(epoch: 2, step: 7, quantity: .loss(.nan))
        #expect(
            loss.description
                == "the training loss became NaN at epoch 2, batch 7; "
                + "lower the learning rate or clip gradients (--clip-norm)"
        )
        let weights = TrainingDivergedError(epoch: 1, step: 3, quantity: .weights)
        #expect(weights.description.hasPrefix("the weights became NaN or infinite at epoch 1, batch 3;"))
        #expect(
            TrainingDivergedError(epoch: 1, step: 1, quantity: .loss(.infinity)).description.contains("became inf at"))
    }
}
