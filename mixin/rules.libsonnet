local lib = import 'lib.libsonnet';

// Recording rules: the queries too heavy to run on every dashboard refresh
// and in more than one alert.
{
  prometheusRules+:: {
    local c = $._config,
    local m(extra) = '{%s%s}' % [c.selector, if extra == '' then '' else ', ' + extra],

    groups+: [
      {
        name: c.recordingGroupName,
        rules: [
          {
            // A range of updatesWaitingDays per image (10,080 samples at a 1m
            // scrape interval), used by two alerts and a dashboard panel:
            // evaluated once here instead.
            record: lib.updatesWaitingRecord(c),
            expr: lib.updatesWaitingExpr(c, m),
          },
        ],
      },
    ],
  },
}
