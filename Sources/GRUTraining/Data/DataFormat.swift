import Foundation
import GRUFormats

/// The file formats GRUTraining reads; the raw values are the `--format` names.
public enum DataFormat: String, Sendable, Codable, CaseIterable {
    /// The UEA/UCR time-series classification format (`.ts`).
    case ts
    /// Comma-separated values with RFC 4180 quoting (`.csv`): label and text, or a numeric time series.
    case csv
    /// Tab-separated values without quoting (`.tsv`): label and text.
    case tsv
    /// CoNLL-style token and tag columns, a blank line between sentences (`.conll`).
    case conll
    /// Plain UTF-8 text for language models (`.txt`).
    case text = "txt"
    /// NumPy arrays: X (N, T, F), y and optional lengths (`.npy`).
    case npy

    /// The format its extension names, case-insensitively, or nil for any other extension.
    public init?(fileExtension: String) {
        let lowercased = fileExtension.lowercased()
        guard let format = DataFormat(rawValue: lowercased == "text" ? "txt" : lowercased) else { return nil }
        self = format
    }

    /// The format of the file at `url` from its extension.
    ///
    /// - Throws: `FormatError` naming the file when the extension is none of .ts, .csv, .tsv,
    ///   .conll, .txt, .npy (a directory of .npy arrays counts as .npy).
    public init(of url: URL) throws {
        if let format = DataFormat(fileExtension: url.pathExtension) {
            self = format
            return
        }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue {
            self = .npy
            return
        }
        let found = url.pathExtension.isEmpty ? "no extension" : "extension '.\(url.pathExtension)'"
        throw FormatError(
            displayName(of: url),
            "cannot tell the data format from \(found); expected .ts, .csv, .tsv, .conll, .txt or .npy, or give the format"
        )
    }

    /// The task this format serves when none is given: classify for .ts, .csv, .tsv and .npy (whose
    /// loader turns to tag or forecast when y's shape and type say so), tag for .conll,
    /// language-model for .txt.
    public var defaultTask: SequenceTask {
        switch self {
        case .ts, .csv, .tsv, .npy: return .classify
        case .conll: return .tag
        case .text: return .languageModel
        }
    }
}
