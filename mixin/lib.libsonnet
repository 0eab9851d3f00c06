// Helpers and the PromQL shared by the alerts, the recording rules and the
// dashboard, so that an alert and the panel that shows the same thing cannot
// drift apart. Every expression takes `m`, a function that turns extra label
// matchers into a full selector: the alerts' m adds _config.selector, the
// dashboard's adds the selector and its template variables.
{
  // The labels of one target (one account and region of one exporter), and
  // of one image in it: what per-target and per-image series are joined on.
  targetLabels: 'job, instance, account_id, region',
  imageLabels: self.targetLabels + ', image_id',

  // '15m' -> '15 minutes', '1h' -> '1 hour', '7d' -> '7 days'.
  humanDuration(duration)::
    local units = { s: 'second', m: 'minute', h: 'hour', d: 'day', w: 'week' };
    local unit = std.substr(duration, std.length(duration) - 1, 1);
    local count = std.parseInt(std.substr(duration, 0, std.length(duration) - 1));
    assert std.objectHas(units, unit) : 'unsupported duration ' + duration;
    '%d %s%s' % [count, units[unit], if count == 1 then '' else 's'],

  // '90s' -> 90, '1h' -> 3600: a duration of one unit, as a PromQL number.
  seconds(duration)::
    local units = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
    local unit = std.substr(duration, std.length(duration) - 1, 1);
    assert std.objectHas(units, unit) : 'unsupported duration ' + duration;
    std.parseInt(std.substr(duration, 0, std.length(duration) - 1)) * units[unit],

  // 0.05 -> '5%'
  percent(ratio):: '%g%%' % (ratio * 100),

  // Name of the recorded series: 1 when the image has had updates available
  // at every sample of the waiting period and already at its start, else 0.
  updatesWaitingRecord(config):: 'image_id:aws_workspaces_image_update_available:waiting%dd' % config.updatesWaitingDays,

  updatesWaitingExpr(config, m):: |||
    min_over_time(aws_workspaces_image_update_available%(all)s[%(days)dd])
    * on (%(image)s)
    (aws_workspaces_image_update_available%(all)s offset %(days)dd)
  ||| % { all: m(''), days: config.updatesWaitingDays, image: $.imageLabels },

  // aws_workspaces_image_info of the images the account owns (owner_account_id
  // equal to account_id), not of images shared with it: only the owner can
  // delete an image.
  ownedImageInfo(m):: |||
    (
      aws_workspaces_image_info%(all)s
      and on (%(image)s, owner_account_id)
      label_replace(aws_workspaces_image_info%(all)s, "owner_account_id", "$1", "account_id", "(.*)")
    )
  ||| % { all: m(''), image: $.imageLabels },

  // Owned images older than the unused threshold that no bundle uses: none in
  // their own account, and none in any other account this Prometheus watches
  // (a shared image is used by bundles of the accounts it is shared with).
  // Value: the age in seconds; labels: the image's, with its name.
  unusedImagesExpr(config, m):: |||
    (
      (aws_workspaces_image_age_seconds%(all)s > %(days)d * 86400)
      and on (%(image)s)
      (aws_workspaces_image_bundles%(all)s == 0)
      and on (region, image_id)
      (max by (region, image_id) (aws_workspaces_image_bundles%(all)s) == 0)
    )
    * on (%(image)s) group_left (name)
    %(owned)s
  ||| % {
    all: m(''),
    days: config.imageUnusedDays,
    image: $.imageLabels,
    owned: std.rstripChars($.ownedImageInfo(m), '\n'),
  },

  // `expr` with an account_name label where the exporter knows the account's
  // name (aws_workspaces_account_info: accounts found through AWS
  // Organizations), and unchanged where it does not (static targets), so
  // that no row or series goes missing for want of a name. account_info
  // exists on /metrics and on each /probe target of the account, so once per
  // exporter and per region: topk keeps one series per account, which the
  // join needs (group_left wants one match on the right). It is selected by
  // `info` alone, not by instance or region: the name of an account is the
  // same whichever scrape reported it. `expr` must bind tighter than `*`: a
  // selector, a function or aggregation, or in parentheses.
  withAccountName(expr, info):: |||
    (
      %(expr)s
      * on (account_id) group_left (account_name)
      topk by (account_id) (1, aws_workspaces_account_info%(info)s)
    )
    or ignoring (account_name)
    %(expr)s
  ||| % { expr: std.rstripChars(expr, '\n'), info: info },
}
