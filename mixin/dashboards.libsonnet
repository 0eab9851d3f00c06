local lib = import 'lib.libsonnet';

// The Grafana dashboard, as a plain object (no grafonnet). Panels are laid out
// left to right in rows of 24 columns; ids and positions are computed.
{
  grafanaDashboards+:: {
    local c = $._config,
    local ds = { type: 'prometheus', uid: '${datasource}' },

    // Every query: the mixin's selector and the dashboard's variables.
    local vars = 'job=~"$job", instance=~"$instance", account_id=~"$account_id", region=~"$region"',
    local m(extra) = '{%s, %s%s}' % [c.selector, vars, if extra == '' then '' else ', ' + extra],
    local all = m(''),
    // Process-wide families have neither account_id nor region.
    local process = '{%s, job=~"$job", instance=~"$instance"}' % c.selector,
    local image = lib.imageLabels,
    // Series of the exporter itself, one per organizations entry (label
    // source): like the process-wide families, no account_id or region.
    local discovery(family) = '%s{%s, job=~"$job", instance=~"$instance"}' % [family, c.selector],
    // With the account's name where the exporter knows it (lib.withAccountName).
    local named(expr) = lib.withAccountName(expr, '{%s, account_id=~"$account_id"}' % c.selector),
    local rate(family, extra='') = 'rate(%s%s[$__rate_interval])' % [family, m(extra)],

    local target(expr, legend='', refId='A', instant=false, table=false) =
      { datasource: ds, expr: expr, legendFormat: legend, refId: refId }
      + (if instant || table then { instant: true, range: false } else {})
      + (if table then { format: 'table' } else {}),

    local panel(type, title, description, unit, targets, w, h, defaults={}, overrides=[], options={}, transformations=[]) =
      {
        type: type,
        title: title,
        description: description,
        datasource: ds,
        gridPos: { w: w, h: h },
        fieldConfig: { defaults: { unit: unit } + defaults, overrides: overrides },
        targets: targets,
      }
      + (if options == {} then {} else { options: options })
      + (if transformations == [] then {} else { transformations: transformations }),

    local row(title) = { type: 'row', title: title, collapsed: false, panels: [] },

    local thresholds(steps) = {
      thresholds: { mode: 'absolute', steps: [{ color: s[0], value: s[1] } for s in steps] },
    },
    local okFailed(ok, failed) = {
      mappings: [{
        type: 'value',
        options: {
          '0': { text: failed, color: 'red', index: 0 },
          '1': { text: ok, color: 'green', index: 1 },
        },
      }],
      color: { mode: 'thresholds' },
    } + thresholds([['red', null], ['green', 1]]),
    local stat(title, description, expr, defaults={}) =
      panel('stat',
            title,
            description,
            'short',
            [target(expr)],
            4,
            4,
            defaults,
            options={ reduceOptions: { calcs: ['lastNotNull'] }, colorMode: 'value', graphMode: 'none' }),
    local pie(title, description, expr, legend) =
      panel('piechart',
            title,
            description,
            'short',
            [target(expr, legend, instant=true)],
            8,
            8,
            options={
              reduceOptions: { calcs: ['lastNotNull'] },
              legend: { displayMode: 'table', placement: 'right', values: ['value'] },
            }),
    local bars(title, description, expr, legend, w, h) =
      panel('bargauge',
            title,
            description,
            'short',
            [target(expr, legend, instant=true)],
            w,
            h,
            options={ orientation: 'horizontal', displayMode: 'gradient', reduceOptions: { calcs: ['lastNotNull'] } }),
    local timeseries(title, description, unit, targets, w, defaults={}) =
      panel('timeseries', title, description, unit, targets, w, 8, defaults),
    local stateTimeline(title, description, expr, legend, ok, failed) =
      panel('state-timeline',
            title,
            description,
            'bool',
            [target(expr, legend)],
            12,
            8,
            okFailed(ok, failed),
            options={ showValue: 'never', mergeValues: true, rowHeight: 0.8 }),
    // A table of instant queries: columns renamed, job, instance and the
    // query machinery hidden.
    local table(title, description, targets, rename, order, overrides=[], exclude=[], w=24, h=10) =
      panel('table',
            title,
            description,
            'short',
            targets,
            w,
            h,
            overrides=overrides,
            options={ showHeader: true },
            transformations=(if std.length(targets) > 1 then [{ id: 'merge', options: {} }] else []) + [{
              id: 'organize',
              options: {
                excludeByName: { [name]: true for name in ['Time', '__name__', 'job', 'instance'] + exclude },
                indexByName: { [order[i]]: i for i in std.range(0, std.length(order) - 1) },
                renameByName: rename,
              },
            }]),
    local unitOverride(column, unit) = { matcher: { id: 'byName', options: column }, properties: [{ id: 'unit', value: unit }] },

    local variable(name, label, family, filters) = {
      local query = 'label_values(%s{%s%s}, %s)' % [family, c.selector, std.join('', [', ' + f for f in filters]), name],
      name: name,
      label: label,
      type: 'query',
      datasource: ds,
      query: { query: query, refId: 'PrometheusVariableQueryEditor-VariableQuery' },
      definition: query,
      refresh: 2,
      includeAll: true,
      multi: true,
      allValue: '.+',
      current: {},
      sort: 1,
      hide: 0,
    },

    // Flow layout: a row starts a new line; panels fill lines of 24 columns.
    local layout(items) =
      local step(state, item) =
        local id = std.length(state.out) + 1;
        if item.type == 'row' then
          local y = state.y + state.lineHeight;
          state { x: 0, y: y + 1, lineHeight: 0, out+: [item { id: id, gridPos: { h: 1, w: 24, x: 0, y: y } }] }
        else
          local wrap = state.x + item.gridPos.w > 24;
          local x = if wrap then 0 else state.x;
          local y = if wrap then state.y + state.lineHeight else state.y;
          state {
            x: x + item.gridPos.w,
            y: y,
            lineHeight: if wrap then item.gridPos.h else std.max(state.lineHeight, item.gridPos.h),
            out+: [item { id: id, gridPos+: { x: x, y: y } }],
          };
      std.foldl(step, items, { x: 0, y: 0, lineHeight: 0, out: [] }).out,

    local days(n) = '%d days' % n,
    local updatesWaiting = '%s%s' % [lib.updatesWaitingRecord(c), all],

    'workspaces-images.json': {
      title: c.dashboardTitle,
      uid: c.dashboardUID,
      description: "WorkSpaces images from the WorkSpaces images exporter, per account and region: states, failed image checks, updates, age, which bundles and WorkSpaces use them, the exporter's own health and its discovery of AWS Organizations accounts. Works with /metrics answering every target, and with /probe per target.",
      tags: c.dashboardTags,
      timezone: c.dashboardTimezone,
      schemaVersion: 39,
      version: 1,
      editable: true,
      graphTooltip: 1,
      time: { from: c.dashboardTimeFrom, to: 'now' },
      refresh: c.dashboardRefresh,
      annotations: { list: [] },
      templating: {
        list: [
          {
            name: 'datasource',
            label: 'Data source',
            type: 'datasource',
            query: 'prometheus',
            current: {},
            hide: 0,
            refresh: 1,
            regex: '',
          },
          // From up, not aws_workspaces_up: in probe mode the exporter's own
          // job (discovery, API counters, reloads) has no aws_workspaces_up.
          variable('job', 'Job', 'up', []),
          variable('instance', 'Instance', 'up', ['job=~"$job"']),
          variable('account_id', 'Account', 'aws_workspaces_up', ['job=~"$job"', 'instance=~"$instance"']),
          variable('region', 'Region', 'aws_workspaces_up', ['job=~"$job"', 'instance=~"$instance"', 'account_id=~"$account_id"']),
        ],
      },

      panels: layout([
        row('Fleet overview'),
        stat('Images',
             'Images returned by DescribeWorkspaceImages, all states.',
             'sum(aws_workspaces_images%s)' % all),
        stat('Images in ERROR',
             'Images whose state is ERROR; the Error codes panel shows why.',
             'sum(aws_workspaces_images%s)' % m('state="ERROR"'),
             thresholds([['green', null], ['red', 1]])),
        stat('Updates waiting',
             'Images with driver or agent updates available (Updates.UpdateAvailable).',
             'sum(aws_workspaces_images_update_available%s)' % all,
             thresholds([['green', null], ['orange', 1]])),
        stat('Bundles',
             'Bundles the accounts own (DescribeWorkspaceBundles); empty when the bundles collector is off or failing.',
             'count(aws_workspaces_bundle_info%s)' % all),
        stat('WorkSpaces',
             'WorkSpaces in the accounts, every state (DescribeWorkspaces); empty unless the workspaces collector is on.',
             'sum(aws_workspaces_workspaces%s)' % all),
        stat('Collection up',
             '1 when the last image collection of every selected account and region succeeded; the minimum over them.',
             'min(aws_workspaces_up%s)' % all,
             okFailed('up', 'failing') + { unit: 'bool' }),
        pie('Images by state',
            'Images by state (AVAILABLE, PENDING, ERROR, and any state AWS adds).',
            'sum by (state) (aws_workspaces_images%s)' % all,
            '{{state}}'),
        pie('Images by operating system',
            'Images by OperatingSystem.Type; unknown when AWS leaves it out.',
            'sum by (os_type) (aws_workspaces_images%s)' % all,
            '{{os_type}}'),
        pie('Images by tenancy',
            'Images by RequiredTenancy (DEDICATED for BYOL images).',
            'sum by (required_tenancy) (aws_workspaces_images%s)' % all,
            '{{required_tenancy}}'),
        bars('Images by account',
             "Images per account and region, all states, with the account's name where the exporter knows it (accounts found through AWS Organizations).",
             'sort_desc(%s)' % named('sum by (account_id, region) (aws_workspaces_images%s)' % all),
             '{{account_name}} {{account_id}} {{region}}',
             12,
             8),
        timeseries('Images by state over time',
                   'How many images were in each state, per account and region.',
                   'short',
                   [target('sum by (account_id, region, state) (aws_workspaces_images%s)' % all, '{{account_id}} {{region}} {{state}}')],
                   12),

        row('Accounts'),
        table(
          'Accounts and regions',
          "One row per target, an account in a region: the account's name where the exporter knows it (accounts found through AWS Organizations, from aws_workspaces_account_info), whether its last image collection succeeded, its images, those in ERROR and those with updates available, and how long ago its last successful collection ended.",
          [
            target(named('aws_workspaces_up%s' % all), refId='A', table=true),
            target(named('sum by (%s) (aws_workspaces_images%s)' % [lib.targetLabels, all]), refId='B', table=true),
            target(named('sum by (%s) (aws_workspaces_images%s)' % [lib.targetLabels, m('state="ERROR"')]), refId='C', table=true),
            target(named('aws_workspaces_images_update_available%s' % all), refId='D', table=true),
            target(named('(time() - aws_workspaces_last_success_timestamp_seconds%s)' % all), refId='E', table=true),
          ],
          {
            account_id: 'account',
            account_name: 'name',
            'Value #A': 'collection',
            'Value #B': 'images',
            'Value #C': 'in ERROR',
            'Value #D': 'updates available',
            'Value #E': 'since last success',
          },
          ['account_id', 'account_name', 'region', 'Value #A', 'Value #B', 'Value #C', 'Value #D', 'Value #E'],
          [
            {
              matcher: { id: 'byName', options: 'collection' },
              properties: [
                { id: 'mappings', value: okFailed('up', 'failing').mappings },
                { id: 'custom.cellOptions', value: { type: 'color-text' } },
              ],
            },
            unitOverride('since last success', 's'),
          ],
          h=8,
        ),

        row('Image errors'),
        bars('Error codes',
             'Images reporting each error code, as their ErrorCode or in ErrorDetails (once per image per code); codes with no image are hidden.',
             'sort_desc(sum by (error_code) (aws_workspaces_image_errors%s) > 0)' % all,
             '{{error_code}}',
             24,
             9),

        row('Images'),
        table(
          'Images',
          "One row per image: account, name, state, owner, age, whether updates are waiting, and how many of the account's bundles and WorkSpaces use it (blank when the bundles or workspaces collector is off), joined on account_id, region and image_id.",
          [
            target('aws_workspaces_image_info%s' % all, refId='A', table=true),
            target('aws_workspaces_image_age_seconds%s' % all, refId='B', table=true),
            target('aws_workspaces_image_update_available%s' % all, refId='C', table=true),
            target('aws_workspaces_image_bundles%s' % all, refId='D', table=true),
            target('aws_workspaces_image_workspaces%s' % all, refId='E', table=true),
          ],
          {
            account_id: 'account',
            image_id: 'image',
            os_type: 'OS',
            required_tenancy: 'tenancy',
            owner_account_id: 'owner',
            'Value #B': 'age',
            'Value #C': 'update available',
            'Value #D': 'Bundles',
            'Value #E': 'WorkSpaces',
          },
          [
            'account_id',
            'region',
            'image_id',
            'name',
            'state',
            'os_type',
            'required_tenancy',
            'owner_account_id',
            'Value #B',
            'Value #C',
            'Value #D',
            'Value #E',
          ],
          [unitOverride('age', 's'), unitOverride('update available', 'bool_yes_no')],
          exclude=['Value #A'],
        ),
        panel('histogram',
              'Image age distribution',
              'How old the images are, in days since Created (30-day buckets); images without a creation date are left out.',
              'd',
              [target('aws_workspaces_image_age_seconds%s / 86400' % all, '{{account_id}} {{region}} {{image_id}}', instant=true)],
              24,
              8,
              options={ bucketSize: 30, legend: { showLegend: false } }),

        row('Usage'),
        table(
          'Unused images',
          'Images an account owns, created more than %s ago, that no bundle uses (none of its own, none of any other account shown): candidates for deletion. The rule of the WorkSpacesImageUnused alert.' % days(c.imageUnusedDays),
          [target(lib.unusedImagesExpr(c, m), table=true)],
          { account_id: 'account', image_id: 'image', Value: 'age' },
          ['account_id', 'region', 'image_id', 'name', 'Value'],
          [unitOverride('age', 's')],
          w=12,
          h=8,
        ),
        bars('WorkSpaces by image',
             'WorkSpaces on bundles built from each image (images with none are left out); needs the workspaces collector.',
             'sort_desc(max by (account_id, region, image_id, name) (aws_workspaces_image_workspaces%s * on (%s) group_left (name) aws_workspaces_image_info%s) > 0)' % [all, image, all],
             '{{name}} ({{image_id}}) {{account_id}} {{region}}',
             12,
             8),
        // Two queries: A from current data (answers in a fresh Prometheus),
        // B from the recording rule (needs updatesWaitingDays of history).
        // Grafana names a lone value column "Value" and, beside another
        // query's, "Value #A": both are renamed.
        local inUse(updates) = |||
          (
            (aws_workspaces_image_workspaces%s > 0)
            and on (%s)
            (%s == 1)
          )
          * on (%s) group_left (name)
          aws_workspaces_image_info%s
        ||| % [all, image, updates, image, all];
        local waitingColumn = 'of which waiting ≥ %s' % days(c.updatesWaitingDays);
        table(
          'WorkSpaces on images with updates available',
          'WorkSpaces on bundles built from an image that has driver or agent updates available now (Updates.UpdateAvailable), one row per image: the users who miss the updates. Column "%s" shows the ones waiting for weeks: the WorkSpaces whose image has had the updates available for %s or more (the rule of the WorkSpacesImageUpdatesWaitingInUse alert, from the recording rule %s); it stays empty until Prometheus holds that much history. Needs the workspaces collector.' % [waitingColumn, days(c.updatesWaitingDays), lib.updatesWaitingRecord(c)],
          [
            target(inUse('aws_workspaces_image_update_available%s' % all), refId='A', table=true),
            target(inUse(updatesWaiting), refId='B', table=true),
          ],
          { account_id: 'account', image_id: 'image', Value: 'WorkSpaces', 'Value #A': 'WorkSpaces', 'Value #B': waitingColumn },
          ['account_id', 'region', 'image_id', 'name', 'Value', 'Value #A', 'Value #B'],
          w=12,
          h=8,
        ),
        // (?s): a name may hold line breaks, which "." does not match before Prometheus 3.
        table(
          'Bundles on old images',
          'Bundles the accounts own that are built from an image created more than %s ago: WorkSpaces launched or rebuilt from them start without that much patching.' % days(c.imageTooOldDays),
          [target(|||
            aws_workspaces_bundle_info%s
            * on (%s) group_left (image_name)
            label_replace(aws_workspaces_image_info%s, "image_name", "$1", "name", "(?s)(.*)")
            * on (%s) group_left ()
            (aws_workspaces_image_age_seconds%s > %d * 86400)
          ||| % [all, image, all, image, all, c.imageTooOldDays], table=true)],
          { account_id: 'account', bundle_id: 'bundle', name: 'bundle name', compute_type: 'compute type', image_id: 'image', image_name: 'image name', Value: 'image age' },
          ['account_id', 'region', 'bundle_id', 'name', 'compute_type', 'image_id', 'image_name', 'Value'],
          [unitOverride('image age', 's')],
          w=12,
          h=8,
        ),

        row('Exporter health'),
        stateTimeline('Collection up by account and region',
                      "aws_workspaces_up per account and region, with the account's name where the exporter knows it: up when its image collection succeeded, failing when it did not (the exporter logs the AWS error code).",
                      named('aws_workspaces_up%s' % all),
                      '{{account_name}} {{account_id}} {{region}} {{instance}}',
                      'up',
                      'failing'),
        stateTimeline('Collector success',
                      'aws_workspaces_collector_success per account, region and collector (images, bundles, workspaces); a failing bundles or workspaces collector usually lacks an IAM action.',
                      'aws_workspaces_collector_success%s' % all,
                      '{{account_id}} {{region}} {{collector}}',
                      'ok',
                      'failing'),
        timeseries('Collection duration and budget', 'How long each image collection took, against the time it was allowed (the scrape timeout less the offset).', 's', [
          target('aws_workspaces_scrape_duration_seconds%s' % all, '{{account_id}} {{region}} duration', 'A'),
          target('aws_workspaces_scrape_timeout_seconds%s' % all, '{{account_id}} {{region}} budget', 'B'),
        ], 12),
        timeseries('Collector duration', 'How long each collector took, per account and region.', 's', [
          target('aws_workspaces_collector_duration_seconds%s' % all, '{{account_id}} {{region}} {{collector}}'),
        ], 12),
        timeseries('API requests by operation and code', 'AWS API requests per second, each attempt, by operation and HTTP status or AWS error code.', 'reqps', [
          target('sum by (operation, code) (%s)' % rate('aws_workspaces_api_requests_total'), '{{operation}} {{code}}'),
        ], 8),
        timeseries('API errors', 'AWS API requests per second that did not succeed, per account and region, by operation and error code (throttling, 5xx, transport, Cancelled).', 'reqps', [
          target('sum by (account_id, region, operation, code) (%s)' % rate('aws_workspaces_api_requests_total', 'code!="200"'), '{{account_id}} {{region}} {{operation}} {{code}}'),
        ], 8),
        timeseries('API retries by reason', 'Retries per second per account and region, by reason: throttling, server_error, transport, timeout.', 'reqps', [
          target('sum by (account_id, region, reason) (%s)' % rate('aws_workspaces_api_retries_total'), '{{account_id}} {{region}} {{reason}}'),
        ], 8),
        timeseries('API request duration (p90)', '90th percentile duration of the AWS API attempts, by operation.', 's', [
          target('histogram_quantile(0.9, sum by (le, operation) (%s))' % rate('aws_workspaces_api_request_duration_seconds_bucket'), '{{operation}}'),
        ], 12),
        panel('stat',
              'Configuration reload',
              'Whether the last configuration reload of each exporter succeeded (aws_workspaces_config_last_reload_successful, which has no account or region).',
              'bool',
              [target('aws_workspaces_config_last_reload_successful%s' % process, '{{instance}}', instant=true)],
              6,
              8,
              okFailed('ok', 'failed'),
              options={ textMode: 'value_and_name', colorMode: 'background', reduceOptions: { calcs: ['lastNotNull'] } }),
        panel('stat',
              'Exporter version',
              'Version of each exporter (aws_workspaces_exporter_build_info, which has no account or region).',
              'none',
              [target('aws_workspaces_exporter_build_info%s' % process, '{{instance}}: {{version}} (Swift {{swift_version}})', instant=true)],
              6,
              8,
              options={ textMode: 'name', reduceOptions: { calcs: ['lastNotNull'] } }),

        // Empty without an organizations section in the config file.
        row('Discovery'),
        stateTimeline('Discovery success',
                      "aws_workspaces_discovery_success per organizations entry of the config file (source organizations/N, N its place in the list) and exporter: ok when the last refresh listed the entry's accounts, failing when it did not; the exporter then keeps the accounts of the last good refresh and logs the AWS error code. Empty without an organizations section.",
                      discovery('aws_workspaces_discovery_success'),
                      '{{source}} {{instance}}',
                      'ok',
                      'failing'),
        timeseries('Accounts discovered',
                   'Member accounts each organizations entry keeps after its last good refresh (ACTIVE, then include_accounts, exclude_accounts, organizational_units and tags), per exporter; each is collected in every region of the entry. 0 fires WorkSpacesDiscoveryFoundNoAccounts.',
                   'short',
                   [target(discovery('aws_workspaces_discovery_accounts'), '{{source}} {{instance}}')],
                   12),
        timeseries('Time since the last successful discovery',
                   'How old the account list of each organizations entry is; the line is the WorkSpacesDiscoveryStale threshold (%s). It grows by refresh_interval between refreshes, and keeps growing while refreshes fail.' % lib.humanDuration(c.discoveryStaleAfter),
                   's',
                   [target('time() - %s' % discovery('aws_workspaces_discovery_last_success_timestamp_seconds'), '{{source}} {{instance}}')],
                   12,
                   thresholds([['green', null], ['red', lib.seconds(c.discoveryStaleAfter)]]) + { custom: { thresholdsStyle: { mode: 'line' } } }),
        timeseries('Discovery duration',
                   "How long each entry's last listing took: ListAccounts, or ListAccountsForParent and ListOrganizationalUnitsForParent through its organizational units, then ListTagsForResource per account when it filters by tags.",
                   's',
                   [target(discovery('aws_workspaces_discovery_duration_seconds'), '{{source}} {{instance}}')],
                   12),
      ]),
    },
  },
}
