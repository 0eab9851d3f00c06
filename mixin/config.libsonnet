// Everything a user of the mixin may want to change, in one place.
// Override with, for example:
//   (import 'mixin.libsonnet') + { _config+:: { selector: 'job="workspaces"' } }
{
  _config+:: {
    // Which series come from this exporter. Applied to every alert and every
    // dashboard query (variables included), and the exporter-health alerts
    // are up{<selector>} == 0 and absent(up{<selector>}).
    //
    // The default matches both ways of scraping, so the same rules and
    // dashboard serve either:
    //  - one job, workspaces-images, scraping /metrics, which answers every
    //    target (examples/prometheus.yml): up is the exporter's;
    //  - probe mode (examples/prometheus-probe.yml,
    //    deploy/kubernetes/organization/): job workspaces-probe scrapes
    //    /probe?target=ACCOUNT/REGION once per target found through /sd, so
    //    up and instance are per target ("111111111111/eu-west-1"), while
    //    job workspaces-images scrapes the exporter's own /metrics
    //    (--no-web.metrics-targets: discovery, API counters, reloads).
    // Per-target joins are on job, instance, account_id and region, and both
    // sides come from the same scrape, so the two jobs never mix in them.
    // With a regex, absent() has no job label; the alert's text allows for it.
    selector: 'job=~"workspaces-images|workspaces-probe"',

    // Where runbook_url points: %s is the lower-cased alert name, which is
    // also the anchor GitHub gives the "## AlertName" heading in docs/runbooks.md.
    runbookURLPattern: 'https://github.com/workspaces-exporter/workspaces-exporter/blob/main/docs/runbooks.md#%s',

    // Rule group names.
    alertGroupName: 'workspaces-images',
    recordingGroupName: 'workspaces-images.rules',

    // Exporter and collection health.
    collectionFailingFor: '15m',  // aws_workspaces_up == 0
    exporterDownFor: '5m',  // up == 0
    exporterAbsentFor: '15m',  // no up series at all
    collectorFailingFor: '30m',  // a bundles or workspaces collector failing
    configReloadFailedFor: '10m',
    apiThrottlingRatio: 0.05,  // share of API requests retried for throttling
    apiThrottlingWindow: '15m',  // rate() window of that share
    apiThrottlingFor: '30m',
    collectionBudgetRatio: 0.8,  // share of the scrape's time budget a collection may use
    collectionBudgetWindow: '15m',  // max_over_time() window of the collection duration
    collectionNearTimeoutFor: '15m',

    // Discovery of accounts (the config file's organizations entries).
    discoveryFailingFor: '30m',  // aws_workspaces_discovery_success == 0; 3 refreshes at the default 10m
    discoveryStaleAfter: '1h',  // no successful listing for this long; keep it above every refresh_interval
    discoveryStaleFor: '5m',
    discoveryNoAccountsFor: '30m',  // aws_workspaces_discovery_accounts == 0

    // Images.
    imageInErrorFor: '5m',
    imagePendingHours: 2,  // PENDING longer than this after creation is stuck
    imageStuckPendingFor: '10m',
    updatesWaitingDays: 7,  // updates available for this long, without a break
    updateAvailableFor: '1h',
    updatesWaitingInUseFor: '1h',
    imageTooOldDays: 180,  // also the "old image" of the Bundles on old images panel
    imageTooOldFor: '1h',
    imageUnusedDays: 90,  // no bundle uses it and it is older than this
    imageUnusedFor: '1h',
    imageSharedOutsideFor: '15m',  // an owned image shared outside the organization (image-permissions collector)

    // Dashboard.
    dashboardUID: 'workspaces-images',
    dashboardTitle: 'Amazon WorkSpaces images',
    dashboardTags: ['aws', 'workspaces', 'prometheus'],
    dashboardRefresh: '1m',
    dashboardTimeFrom: 'now-24h',
    dashboardTimezone: 'browser',

    // Kubernetes PrometheusRule (deploy/kubernetes/prometheus-rule.yaml), labelled
    // like the other objects of the kustomization there. A Prometheus with a
    // ruleSelector (kube-prometheus-stack: release: <name>) needs its label added.
    prometheusRuleName: 'workspaces-exporter',
    prometheusRuleLabels: {
      'app.kubernetes.io/name': 'workspaces-exporter',
      'app.kubernetes.io/component': 'exporter',
    },
  },
}
