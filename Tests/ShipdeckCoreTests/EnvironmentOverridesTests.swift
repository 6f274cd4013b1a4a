import Foundation
import Testing
@testable import ShipdeckCore

@Suite struct EnvironmentOverridesTests {
    @Test func overridesApplyAfterParsing() throws {
        let config = try Fixtures.config(environment: [
            "SHIPDECK_USER": "ben", "SHIPDECK_THEME": "light", "SHIPDECK_ENV": "prod",
            "SHIPDECK_DB": "data/other.sqlite", "SHIPDECK_SERVICE_ORDERS_PORT": "8200",
        ])
        #expect(config.user == "ben")
        #expect(config.theme == "light")
        #expect(config.currentEnvironment == "prod")
        #expect(config.databaseFile.path == "/work/ws/data/other.sqlite")
        #expect(config.service(named: "orders")?.port == 8200)
    }

    @Test func badOverrideNamesTheVariable() {
        let errors = Fixtures.errors(Fixtures.valid, environment: [
            "SHIPDECK_USER": "zed", "SHIPDECK_ENV": "staging", "SHIPDECK_SERVICE_ORDERS_PORT": "eighty",
            "SHIPDECK_SERVICE_BILLING_PORT": "9000",
        ])
        #expect(errors == [
            "SHIPDECK_USER: 'zed' is not listed under people in shipdeck.yml (expected one of: ana, ben, eli)",
            "SHIPDECK_ENV: 'staging' is not an environment of this workspace (expected one of: test, prod)",
            "SHIPDECK_SERVICE_BILLING_PORT: SHIPDECK_SERVICE_BILLING_PORT names no service of this workspace (expected one of: SHIPDECK_SERVICE_ORDERS_PORT, SHIPDECK_SERVICE_PAYMENTS_PORT)",
            "SHIPDECK_SERVICE_ORDERS_PORT: 'eighty' is not a usable port (set a whole number from 1024 to 64535)",
        ])
    }

    @Test func portOverrideThatClashesIsAnError() {
        let errors = Fixtures.errors(Fixtures.valid, environment: ["SHIPDECK_SERVICE_PAYMENTS_PORT": "8100"])
        #expect(errors.count == 2)
        #expect(errors.allSatisfy { $0.hasPrefix("SHIPDECK_SERVICE_PAYMENTS_PORT: port") })
    }

    @Test func portVariableUpperCasesAndReplacesDashes() {
        #expect(EnvironmentOverrides.portVariable(for: "order-api") == "SHIPDECK_SERVICE_ORDER_API_PORT")
    }

    @Test func defaultDemoDirectoryFollowsXDG() {
        #expect(ShipdeckPaths.defaultDemoDirectory(environment: ["XDG_DATA_HOME": "/x"]).path == "/x/shipdeck/demo")
        #expect(ShipdeckPaths.defaultDemoDirectory(environment: ["HOME": "/home/ana"]).path == "/home/ana/.local/share/shipdeck/demo")
    }
}
