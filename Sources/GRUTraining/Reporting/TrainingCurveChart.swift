import Foundation

/// Draws a run's history as an SVG: training and validation loss per epoch on the left, the
/// validation metric (accuracy, MAE or perplexity) on the right, so a person can see it learn.
public enum TrainingCurveChart {
    /// The SVG document of `history`.
    public static func svg(_ history: [EpochRecord], title: String) -> String {
        let width = 900.0, height = 360.0, panelWidth = 400.0, top = 50.0, plotHeight = 250.0
        var body = ""
        let epochs = history.map { Double($0.epoch) }
        let training = history.map(\.trainingLoss)
        let validation = history.compactMap { $0.validation?["loss"] }
        body += panel(
            x: 60, top: top, width: panelWidth - 60, height: plotHeight, title: "loss",
            series: [
                ("training", "#1f77b4", zip(epochs, training).map { $0 }),
                (
                    "validation", "#ff7f0e",
                    zip(epochs, history.map { $0.validation?["loss"] ?? .nan }).filter { $0.1.isFinite }.map { $0 }
                ),
            ])
        let metricName = ["accuracy", "mae", "perplexity"].first { name in
            history.contains { $0.validation?[name] != nil }
        }
        if let metricName {
            let points = zip(epochs, history.map { $0.validation?[metricName] ?? .nan }).filter { $0.1.isFinite }.map {
                $0
            }
            body += panel(
                x: panelWidth + 110, top: top, width: panelWidth - 60, height: plotHeight,
                title: "validation \(metricName)", series: [(metricName, "#2ca02c", points)])
        } else if validation.isEmpty {
            body += text(panelWidth + 280, top + plotHeight / 2, "no validation data", anchor: "middle")
        }
        return """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            \(text(width / 2, 24, escape(title), anchor: "middle", size: 15))
            \(body)</svg>

            """
    }

    private static func panel(
        x: Double, top: Double, width: Double, height: Double, title: String,
        series: [(name: String, color: String, points: [(Double, Double)])]
    ) -> String {
        let all = series.flatMap(\.points)
        guard let minX = all.map(\.0).min(), let maxX = all.map(\.0).max(),
            var minY = all.map(\.1).min(), var maxY = all.map(\.1).max()
        else { return "" }
        if maxY - minY < 1e-12 {
            minY -= 0.5
            maxY += 0.5
        }
        let spanX = max(maxX - minX, 1)
        func px(_ value: Double) -> Double { x + (value - minX) / spanX * width }
        func py(_ value: Double) -> Double { top + height - (value - minY) / (maxY - minY) * height }
        var svg =
            "<rect x=\"\(x)\" y=\"\(top)\" width=\"\(width)\" height=\"\(height)\" fill=\"none\" stroke=\"#999\"/>\n"
        svg += text(x + width / 2, top - 8, title, anchor: "middle")
        for i in 0...4 {
            let value = minY + (maxY - minY) * Double(i) / 4
            svg += "<line x1=\"\(x)\" y1=\"\(py(value))\" x2=\"\(x + width)\" y2=\"\(py(value))\" stroke=\"#eee\"/>\n"
            svg += text(x - 6, py(value) + 4, format(value), anchor: "end")
        }
        svg += text(x, top + height + 16, format(minX), anchor: "middle")
        svg += text(x + width, top + height + 16, format(maxX), anchor: "middle")
        svg += text(x + width / 2, top + height + 32, "epoch", anchor: "middle")
        for (index, line) in series.enumerated() where !line.points.isEmpty {
            let path = line.points.map { "\(px($0.0)),\(py($0.1))" }.joined(separator: " ")
            svg += "<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(line.color)\" stroke-width=\"2\"/>\n"
            for point in line.points {
                svg += "<circle cx=\"\(px(point.0))\" cy=\"\(py(point.1))\" r=\"2.5\" fill=\"\(line.color)\"/>\n"
            }
            let legendY = top + 14 + Double(index) * 16
            svg +=
                "<line x1=\"\(x + width - 110)\" y1=\"\(legendY - 4)\" x2=\"\(x + width - 90)\" y2=\"\(legendY - 4)\" stroke=\"\(line.color)\" stroke-width=\"2\"/>\n"
            svg += text(x + width - 85, legendY, line.name, anchor: "start")
        }
        return svg
    }

    private static func text(_ x: Double, _ y: Double, _ content: String, anchor: String, size: Int = 12) -> String {
        "<text x=\"\(x)\" y=\"\(y)\" text-anchor=\"\(anchor)\" font-size=\"\(size)\">\(content)</text>\n"
    }

    private static func format(_ value: Double) -> String {
        abs(value) >= 100 || value == value.rounded() ? String(format: "%.0f", value) : String(format: "%.3g", value)
    }

    private static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
    }
}
