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
}
