import Foundation
import Testing
@testable import ShipdeckCore

/// Plugin exit codes and output/perfdata parsing, with lines printed by Debian's
/// monitoring-plugins 2.3.3 (check_http, check_tcp, check_disk, check_procs).
@Suite struct HealthPluginOutputTests {
    @Test func exitCodesMapToStatuses() {
        #expect(CheckStatus(exitCode: 0) == .ok)
        #expect(CheckStatus(exitCode: 1) == .warning)
        #expect(CheckStatus(exitCode: 2) == .critical)
        #expect(CheckStatus(exitCode: 3) == .unknown)
        #expect(CheckStatus(exitCode: 4) == .unknown)
        #expect(CheckStatus(exitCode: 127) == .unknown, "plugin missing")
        #expect(CheckStatus(exitCode: -1) == .unknown)
        #expect(CheckStatus.warning < .critical && CheckStatus.critical.label == "CRITICAL")
    }

    @Test func checkHTTPOutputSplitsTextAndPerfdata() {
        let parsed = PluginOutput(parsing: "HTTP OK: HTTP/1.0 200 OK - 190 bytes in 0.034 second response time |time=0.033613s;;;0.000000;10.000000 size=190B;;;0;\n")
        #expect(parsed.output == "HTTP OK: HTTP/1.0 200 OK - 190 bytes in 0.034 second response time")
        #expect(parsed.longOutput == "")
        #expect(parsed.perfdata == [
            PerfDatum(label: "time", value: 0.033613, unit: "s", min: 0, max: 10),
            PerfDatum(label: "size", value: 190, unit: "B", min: 0),
        ])
    }

    @Test func checkTCPOutputWithThresholds() {
        let parsed = PluginOutput(parsing: "TCP OK - 0.000 second response time on 127.0.0.1 port 18931|time=0.000075s;1.000000;2.000000;0.000000;10.000000\n")
        #expect(parsed.output == "TCP OK - 0.000 second response time on 127.0.0.1 port 18931")
        #expect(parsed.perfdata == [PerfDatum(label: "time", value: 0.000075, unit: "s", warn: "1.000000", crit: "2.000000", min: 0, max: 10)])
        let refused = PluginOutput(parsing: "connect to address 127.0.0.1 and port 18932: Connection refused\n")
        #expect(refused.output == "connect to address 127.0.0.1 and port 18932: Connection refused" && refused.perfdata.isEmpty)
    }

    @Test func checkDiskAndProcsPerfdata() {
        let disk = PluginOutput(parsing: "DISK OK - free space: / 65182MiB (67% inode=95%);| /=33094107136B;243497277849;257024904396;0;270552530944")
        #expect(disk.perfdata == [PerfDatum(label: "/", value: 33_094_107_136, unit: "B", warn: "243497277849",
                                            crit: "257024904396", min: 0, max: 270_552_530_944)])
        let procs = PluginOutput(parsing: "PROCS OK: 111 processes | procs=111;;;0;")
        #expect(procs.perfdata == [PerfDatum(label: "procs", value: 111, min: 0)])
    }

    @Test func longOutputAndPerfdataOnLaterLines() {
        // The Nagios plugin API's example: perfdata after `|` on a later line, and every line after it.
        let text = "DISK OK - free space: / 3326 MB (56%); | /=2643MB;5948;5958;0;5968\n/ 15272 MB (77%);\n/boot 68 MB (69%);\n/home 69357 MB (27%);\n/var/log 819 MB (84%); | /boot=68MB;88;93;0;98\n/home=69357MB;253404;253409;0;253414 \n/var/log=818MB;970;975;0;980\n"
        let parsed = PluginOutput(parsing: text)
        #expect(parsed.output == "DISK OK - free space: / 3326 MB (56%);")
        #expect(parsed.longOutput == "/ 15272 MB (77%);\n/boot 68 MB (69%);\n/home 69357 MB (27%);\n/var/log 819 MB (84%); ")
        #expect(parsed.perfdata.map(\.label) == ["/", "/boot", "/home", "/var/log"])
        #expect(parsed.perfdata.last == PerfDatum(label: "/var/log", value: 818, unit: "MB", warn: "970", crit: "975", min: 0, max: 980))
    }

    @Test func quotedLabelsUnitsRangesAndUnknownValues() {
        let items = PerfDatum.parseList("'free space'=5GB;@1:3;~:10;; 'it''s'=1c 'load 1'=U;5;10 pct=99.5% lat=-3.5ms;;;-10;10 up=2us")
        #expect(items == [
            PerfDatum(label: "free space", value: 5, unit: "GB", warn: "@1:3", crit: "~:10"),
            PerfDatum(label: "it's", value: 1, unit: "c"),
            PerfDatum(label: "load 1", value: nil, warn: "5", crit: "10"),
            PerfDatum(label: "pct", value: 99.5, unit: "%"),
            PerfDatum(label: "lat", value: -3.5, unit: "ms", min: -10, max: 10),
            PerfDatum(label: "up", value: 2, unit: "us"),
        ])
    }

    @Test func garbageItemsAreSkippedWithoutTrapping() {
        let items = PerfDatum.parseList("ok=1 novalue= =5 noequals x=abc y=5parsecs z=1.2.3 w=; e=5e big=1e3KB 'q'x=1 last=7 'unclosed=3")
        #expect(items.map(\.label) == ["ok", "big", "last"])
        #expect(items[1].value == 1000 && items[1].unit == "KB")
        #expect(PerfDatum.parseList("") == [] && PerfDatum.parseList("   ") == [] && PerfDatum.parseList("'") == [])
        #expect(PerfDatum.parseList("=;;;") == [] && PerfDatum.parseList("a=1;;;x;y") == [PerfDatum(label: "a", value: 1)])
        let empty = PluginOutput(parsing: "")
        #expect(empty.output == "" && empty.longOutput == "" && empty.perfdata == [])
        let bars = PluginOutput(parsing: "A | | b=1\r\nmore\r\n")
        #expect(bars.output == "A" && bars.longOutput == "more" && bars.perfdataText == "| b=1" && bars.perfdata == [PerfDatum(label: "b", value: 1)])
    }

    @Test func pluginResultBuildsACheckResult() {
        let result = CheckResult(exitCode: 2, stdout: "HTTP CRITICAL - Unable to open TCP socket\n", duration: 0.5,
                                 at: Date(timeIntervalSince1970: 0))
        #expect(result.status == .critical && result.output == "HTTP CRITICAL - Unable to open TCP socket" && !result.passive)
    }

    @Test func unknownValueEncodesToJSON() throws {
        let item = PerfDatum(label: "load", value: nil, warn: "5")
        let data = try JSONEncoder().encode([item])
        #expect(try JSONDecoder().decode([PerfDatum].self, from: data) == [item])
    }
}
