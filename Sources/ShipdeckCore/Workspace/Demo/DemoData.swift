import Foundation

/// The demo's configuration text and seed cards.
enum DemoData {
    /// Marks a `shipdeck.yml` written by the demo, so a second run reuses it.
    static let marker = "# shipdeck-demo-workspace"

    /// Service name, one-line message, and the card ids its commits mention.
    static let services: [(name: String, message: String, cards: [String])] = [
        // Cards whose work is shipping: the first deploys to test move Ready to Ship cards to In Test.
        ("orders", "Orders are taken here.", ["SHP-7", "SHP-12"]),
        ("payments", "Payments settle here.", ["SHP-9", "SHP-12"]),
        ("catalog", "The catalog lists products.", ["SHP-6", "SHP-12"]),
        ("notifications", "Notifications go out from here.", ["SHP-5", "SHP-11"]),
    ]

    static let config = """
        \(marker)
        # A living demo made by `shipdeck demo`: four small Python services, each a real git repository.
        name: Shipdeck Demo
        card_prefix: SHP
        user: fay

        services:
          orders:
            repo: services/orders
            run: python3 app.py
            port: 8100
            health: {path: /health, interval: 5, timeout: 2, rise: 2}
            instances: {test: 1, prod: 2}
          payments:
            repo: services/payments
            run: python3 app.py
            port: 8101
            health: {path: /health, interval: 5, timeout: 2, rise: 2}
            instances: {test: 1, prod: 2}
            env:
              prod: {PAYMENT_PROVIDER: sandbox-live}
          catalog:
            repo: services/catalog
            run: python3 app.py
            port: 8102
            instances: {test: 1, prod: 1}
          notifications:
            repo: services/notifications
            run: python3 app.py
            port: 8103
            instances: {test: 1, prod: 1}
            support_hours: {hours: "09:00-18:00", days: [mon, tue, wed, thu, fri]}   # low-urgency alerts wait for these

        pipelines:
          poll_interval: 5            # seconds between looks at the repos for new commits
          agents:                     # local agent slots; prod deploys run only on the deploy-prod slot
            - {tags: {queue: default}, count: 2}
            - {tags: {queue: deploy-test}, count: 1}
            - {tags: {queue: deploy-prod}, count: 1}

        environments:
          test: {protected: false, deployers: [dev, prod]}
          prod: {protected: true, deployers: [prod]}

        people:
          ana: {name: Ana Ruiz, roles: [dev, oncall], email: ana@shipdeck.invalid}
          ben: {name: Ben Okafor, roles: [dev, prod]}
          chen: {name: Chen Wei, roles: [dev, oncall]}
          dara: {name: Dara Singh, roles: [prod, oncall]}
          eli: {name: Eli Novak, roles: [dev]}
          fay: {name: Fay Moreau, roles: [dev, prod, oncall, lead]}

        oncall:
          timezone: Europe/Berlin
          rotas:
            dingo: {people: [ana, chen, dara], rotation: weekly, handoff: "mon 09:00", hours: "09:00-18:00", days: [mon, tue, wed, thu, fri]}
            owl: {people: [dara, fay], rotation: weekly, handoff: "mon 09:00", hours: "18:00-09:00"}
            squid: {people: [fay, ben], rotation: weekly, handoff: "mon 09:00"}

        alerts:
          ack_timeout: 1800           # an acknowledged alert still open after 30 min pages again
          escalation:                 # the work-hours dingo or the after-hours owl first; the squad's squid after 15 min
            levels:
              - {notify: ["rota:dingo", "rota:owl"], escalate_after: 900}
              - {notify: ["rota:squid"], escalate_after: 900}
            repeat: 1                 # then once more from the top
          integrations:               # PagerDuty Events API v2: POST /v2/enqueue with this routing_key
            grafana: {routing_key: 0123456789abcdef0123456789abcdef, service: orders}
          channels:                   # each page also runs this (alert fields in SHIPDECK_ALERT_* variables)
            pager-log: {command: 'echo "$(date +%H:%M:%S) $SHIPDECK_ALERT_PERSON ($SHIPDECK_ALERT_REASON): $SHIPDECK_ALERT_SUMMARY" >> .shipdeck/pages.log'}

        board:
          columns:
            - {name: Backlog}
            - {name: In Progress, wip: 4}
            - {name: Review, wip: 3}
            - {name: Ready to Ship}
            - {name: In Test}
            - {name: Done}
          # A card is Done once its change has run healthy in prod this long (short for the demo; default 600).
          done_after: 30

        """

    /// Title, column, assignee, labels, services (card n is `SHP-n`, in this order).
    static let cards: [(title: String, column: String, assignee: String?, labels: [String], services: [String])] = [
        ("Add retry budget to payment capture", "Backlog", nil, ["reliability"], ["payments"]),
        ("Catalog search returns stale prices", "In Progress", "chen", ["bug"], ["catalog"]),
        ("Orders: idempotency keys on POST /orders", "Review", "ana", ["feature"], ["orders"]),
        ("Payments health check should ping provider", "In Progress", "ben", ["reliability"], ["payments"]),
        ("Notifications: batch e-mail sends", "Ready to Ship", "eli", ["performance"], ["notifications"]),
        ("Catalog: cache category tree", "In Test", "chen", ["performance"], ["catalog"]),
        ("Orders: expose order status endpoint", "Done", "ana", ["feature"], ["orders"]),
        ("Runbook for payment provider outage", "Backlog", "dara", ["docs", "oncall"], ["payments"]),
        ("Payments: rotate API credentials", "Ready to Ship", "fay", ["security"], ["payments"]),
        ("Dashboards for checkout latency", "Backlog", nil, ["observability"], ["orders", "payments"]),
        ("Notifications: unsubscribe link in footer", "In Test", "eli", ["feature"], ["notifications"]),
        ("Upgrade Python base image", "Done", "ben", ["chore"], ["orders", "payments", "catalog", "notifications"]),
    ]
}
