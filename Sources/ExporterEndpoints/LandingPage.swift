/// The HTML page on `/`, linking to the metrics, as Prometheus exporters do.
enum LandingPage {
    static func html(telemetryPath: String, version: String) -> String {
        let path = escape(telemetryPath)
        return """
        <!DOCTYPE html>
        <html lang="en">
        <head><meta charset="utf-8"><title>WorkSpaces Images Exporter</title></head>
        <body>
        <h1>WorkSpaces Images Exporter</h1>
        <p>Prometheus exporter for Amazon WorkSpaces images, and the bundles and WorkSpaces that use them. Version \(escape(version)).</p>
        <ul><li><a href="\(path)">Metrics</a></li></ul>
        </body>
        </html>

        """
    }

    static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
