local lib = import 'lib.libsonnet';

{
  prometheusAlerts+:: {
    local c = $._config,
    // {<selector>} or {<selector>, <extra>}
    local m(extra) = '{%s%s}' % [c.selector, if extra == '' then '' else ', ' + extra],
    local all = m(''),
    local image = lib.imageLabels,
    local target = lib.targetLabels,
    local human = lib.humanDuration,
    local runbook(name) = { runbook_url: c.runbookURLPattern % std.asciiLower(name) },
    local alert(name, expr, for_, severity, summary, description) = {
      alert: name,
      expr: expr,
      'for': for_,
      labels: { severity: severity },
      annotations: { summary: summary, description: description } + runbook(name),
    },

    groups+: [
      {
        name: c.alertGroupName,
        rules: [
          alert(
            'WorkSpacesImagesCollectionFailing',
            'aws_workspaces_up%s == 0' % m(''),
            c.collectionFailingFor,
            'warning',
            'WorkSpaces image collection is failing for account {{ $labels.account_id }} in {{ $labels.region }}',
            // instance is the exporter with /metrics, the target itself with /probe.
            "The WorkSpaces images of account {{ $labels.account_id }} in {{ $labels.region }} have not been listed for %s (aws_workspaces_up is 0 in the scrapes of {{ $labels.instance }}, job {{ $labels.job }}); the exporter's log names the AWS error code." % human(c.collectionFailingFor),
          ),
          alert(
            'WorkSpacesImagesExporterDown',
            'up%s == 0' % m(''),
            c.exporterDownFor,
            'warning',
            'Scrapes of {{ $labels.instance }} (WorkSpaces images exporter) are failing',
            // In probe mode up is per target: instance is "ACCOUNT/REGION".
            'Prometheus has not scraped {{ $labels.instance }} (job {{ $labels.job }}) successfully for %s: no WorkSpaces image metrics, and no image alerts, from it until it is back. When the instance is an account/region target of /probe, the exporter is down, did not answer that probe in time, or no longer knows the target (404).' % human(c.exporterDownFor),
          ),
          alert(
            'WorkSpacesImagesExporterAbsent',
            'absent(up%s)' % m(''),
            c.exporterAbsentFor,
            'warning',
            'No WorkSpaces images exporter is being scraped',
            // absent() only has a job label when the selector matches job with "=".
            'Prometheus has no scrape target {{ with $labels.job }}in job {{ . }}{{ else }}matching %s{{ end }}: the exporter was removed from service discovery or the scrape configuration, so nothing watches the WorkSpaces images.' % c.selector,
          ),
          alert(
            'WorkSpacesImageInError',
            'aws_workspaces_image_info%s == 1' % m('state="ERROR"'),
            c.imageInErrorFor,
            'warning',
            'WorkSpaces image {{ $labels.name }} is in ERROR in {{ $labels.region }} (account {{ $labels.account_id }})',
            'Image {{ $labels.name }} ({{ $labels.image_id }}, owner {{ $labels.owner_account_id }}) of account {{ $labels.account_id }} in {{ $labels.region }} is in state ERROR; aws_workspaces_image_errors shows which image checks failed.',
          ),
          alert(
            'WorkSpacesImageStuckPending',
            |||
              (aws_workspaces_image_info%s == 1)
              and on (%s)
              (aws_workspaces_image_age_seconds%s > %d * 3600)
            ||| % [m('state="PENDING"'), image, all, c.imagePendingHours],
            c.imageStuckPendingFor,
            'warning',
            'WorkSpaces image {{ $labels.name }} is stuck in PENDING in {{ $labels.region }} (account {{ $labels.account_id }})',
            'Image {{ $labels.name }} ({{ $labels.image_id }}) of account {{ $labels.account_id }} in {{ $labels.region }} was created more than %s ago and is still PENDING.' % human('%dh' % c.imagePendingHours),
          ),
          alert(
            'WorkSpacesImageUpdateAvailable',
            |||
              (%s%s == 1)
              * on (%s) group_left (name)
              aws_workspaces_image_info%s
            ||| % [lib.updatesWaitingRecord(c), all, image, all],
            c.updateAvailableFor,
            'info',
            'WorkSpaces image {{ $labels.name }} has had updates waiting for over %s' % human('%dd' % c.updatesWaitingDays),
            'Driver or agent updates for image {{ $labels.name }} ({{ $labels.image_id }}) of account {{ $labels.account_id }} in {{ $labels.region }} have been available for more than %s; bundles built from it miss them.' % human('%dd' % c.updatesWaitingDays),
          ),
          alert(
            'WorkSpacesImageUpdatesWaitingInUse',
            // Value: the WorkSpaces on bundles built from the image.
            |||
              (
                (aws_workspaces_image_workspaces%s > 0)
                and on (%s)
                (%s%s == 1)
              )
              * on (%s) group_left (name)
              aws_workspaces_image_info%s
            ||| % [all, image, lib.updatesWaitingRecord(c), all, image, all],
            c.updatesWaitingInUseFor,
            'warning',
            '{{ $value }} WorkSpaces run on image {{ $labels.name }}, whose updates have waited over %s' % human('%dd' % c.updatesWaitingDays),
            '{{ $value }} WorkSpaces of account {{ $labels.account_id }} in {{ $labels.region }} run on bundles built from image {{ $labels.name }} ({{ $labels.image_id }}), whose driver or agent updates have been available for more than %s.' % human('%dd' % c.updatesWaitingDays),
          ),
          alert(
            'WorkSpacesImageTooOld',
            |||
              (time() - aws_workspaces_image_created_timestamp_seconds%s > %d * 86400)
              * on (%s) group_left (name)
              aws_workspaces_image_info%s
            ||| % [all, c.imageTooOldDays, image, all],
            c.imageTooOldFor,
            'warning',
            'WorkSpaces image {{ $labels.name }} is older than %s' % human('%dd' % c.imageTooOldDays),
            'Image {{ $labels.name }} ({{ $labels.image_id }}) of account {{ $labels.account_id }} in {{ $labels.region }} was created {{ $value | humanizeDuration }} ago; golden images that old miss OS and application patches.',
          ),
          alert(
            'WorkSpacesImageSharedOutsideOrganization',
            |||
              (aws_workspaces_image_shared_outside_organization_accounts%s > 0)
              * on (%s) group_left (name)
              aws_workspaces_image_info%s
            ||| % [all, image, all],
            c.imageSharedOutsideFor,
            'warning',
            'WorkSpaces image {{ $labels.name }} is shared with accounts outside the organization',
            'Image {{ $labels.name }} ({{ $labels.image_id }}) of account {{ $labels.account_id }} in {{ $labels.region }} is shared with {{ $value }} account(s) that the last Organizations listing does not contain: anyone in those accounts can launch WorkSpaces from it and copy what it holds. Needs --collector.image-permissions and an organizations entry that lists the whole organization.',
          ),
          alert(
            'WorkSpacesImageUnused',
            lib.unusedImagesExpr(c, m),
            c.imageUnusedFor,
            'info',
            'WorkSpaces image {{ $labels.name }} is older than %s and no bundle uses it' % human('%dd' % c.imageUnusedDays),
            'No bundle uses image {{ $labels.name }} ({{ $labels.image_id }}) of account {{ $labels.account_id }} in {{ $labels.region }}, created {{ $value | humanizeDuration }} ago: delete it if nothing else needs it, so that it stops counting against the image quota of the region.',
          ),
          alert(
            'WorkSpacesAPIThrottling',
            |||
              sum by (%(target)s) (rate(aws_workspaces_api_retries_total%(throttling)s[%(window)s]))
              /
              sum by (%(target)s) (rate(aws_workspaces_api_requests_total%(all)s[%(window)s]))
              > %(ratio)g
            ||| % { target: target, throttling: m('reason="throttling"'), all: all, window: c.apiThrottlingWindow, ratio: c.apiThrottlingRatio },
            c.apiThrottlingFor,
            'warning',
            'The AWS API is throttling the exporter for account {{ $labels.account_id }} in {{ $labels.region }}',
            '{{ $value | humanizePercentage }} of the AWS API requests of {{ $labels.instance }} for account {{ $labels.account_id }} in {{ $labels.region }} were retried for throttling over the last %s, for %s.' % [human(c.apiThrottlingWindow), human(c.apiThrottlingFor)],
          ),
          alert(
            'WorkSpacesCollectionNearTimeout',
            |||
              max_over_time(aws_workspaces_scrape_duration_seconds%s[%s])
              / on (%s)
              aws_workspaces_scrape_timeout_seconds%s
              > %g
            ||| % [all, c.collectionBudgetWindow, target, all, c.collectionBudgetRatio],
            c.collectionNearTimeoutFor,
            'warning',
            'WorkSpaces image collection for account {{ $labels.account_id }} in {{ $labels.region }} is close to the scrape timeout',
            'Collections for account {{ $labels.account_id }} in {{ $labels.region }} (scrapes of {{ $labels.instance }}) took up to {{ $value | humanizePercentage }} of their time budget over %s.' % human(c.collectionBudgetWindow),
          ),
          alert(
            'WorkSpacesCollectorFailing',
            // The images collector is WorkSpacesImagesCollectionFailing's.
            'aws_workspaces_collector_success%s == 0' % m('collector!="images"'),
            c.collectorFailingFor,
            'warning',
            'The {{ $labels.collector }} collector is failing for account {{ $labels.account_id }} in {{ $labels.region }}',
            'The {{ $labels.collector }} collector has failed for account {{ $labels.account_id }} in {{ $labels.region }} (scrapes of {{ $labels.instance }}) for %s (aws_workspaces_collector_success is 0), so its metrics are missing. The usual cause is an IAM action missing from the role (workspaces:DescribeWorkspaceBundles for bundles, workspaces:DescribeWorkspaces for workspaces); the log names the AWS error code.' % human(c.collectorFailingFor),
          ),
          alert(
            'WorkSpacesExporterConfigReloadFailed',
            'aws_workspaces_config_last_reload_successful%s == 0' % m(''),
            c.configReloadFailedFor,
            'warning',
            'WorkSpaces exporter {{ $labels.instance }} failed to reload its configuration',
            'The last configuration reload of {{ $labels.instance }} (job {{ $labels.job }}) failed and none has succeeded for %s: it keeps collecting with the previous configuration, so accounts and regions changed since are not picked up. Its log says what is wrong.' % human(c.configReloadFailedFor),
          ),
          // Discovery: one series per organizations entry of the config file
          // (source="organizations/N", N its index), on the exporter's own
          // /metrics. A failed refresh keeps the accounts of the last good one.
          alert(
            'WorkSpacesDiscoveryFailing',
            'aws_workspaces_discovery_success%s == 0' % m(''),
            c.discoveryFailingFor,
            'warning',
            'WorkSpaces exporter {{ $labels.instance }} cannot list the accounts of {{ $labels.source }}',
            'The refreshes of {{ $labels.source }} on {{ $labels.instance }} (job {{ $labels.job }}) have failed to list the AWS Organizations accounts for %s (aws_workspaces_discovery_success is 0): the exporter keeps collecting the accounts of the last successful refresh, if any, and misses accounts added since. Its log names the AWS error code.' % human(c.discoveryFailingFor),
          ),
          alert(
            'WorkSpacesDiscoveryStale',
            'time() - aws_workspaces_discovery_last_success_timestamp_seconds%s > %d' % [m(''), lib.seconds(c.discoveryStaleAfter)],
            c.discoveryStaleFor,
            'warning',
            'The account list of {{ $labels.source }} on {{ $labels.instance }} is older than %s' % human(c.discoveryStaleAfter),
            '{{ $labels.instance }} (job {{ $labels.job }}) last listed the accounts of {{ $labels.source }} successfully {{ $value | humanizeDuration }} ago: accounts added to or removed from the organization since are not reflected in what it collects, and /sd still offers the old list.',
          ),
          alert(
            'WorkSpacesDiscoveryFoundNoAccounts',
            'aws_workspaces_discovery_accounts%s == 0' % m(''),
            c.discoveryNoAccountsFor,
            'warning',
            '{{ $labels.source }} on {{ $labels.instance }} finds no account to collect',
            'The last successful listing of {{ $labels.source }} on {{ $labels.instance }} (job {{ $labels.job }}) has kept no account for %s (aws_workspaces_discovery_accounts is 0): no ACTIVE account of the organization passes its include_accounts, exclude_accounts, organizational_units and tags filters, so it collects nothing.' % human(c.discoveryNoAccountsFor),
          ),
        ],
      },
    ],
  },
}
