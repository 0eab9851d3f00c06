// What scripts/mixin.sh writes, by path: the rules (recording groups first),
// the dashboard, the same rules as a Kubernetes PrometheusRule, and the Helm
// chart's copy of the rules (its PrometheusRule template reads it).
// `selector` (a top-level argument) overrides _config.selector.
function(selector='')
  local mixin = (import 'mixin.libsonnet') + (
    if selector == '' then {} else { _config+:: { selector: selector } }
  );
  local groups = mixin.prometheusRules.groups + mixin.prometheusAlerts.groups;
  {
    'alerts/workspaces-images.rules.yml': { groups: groups },
    'dashboards/workspaces-images.json': mixin.grafanaDashboards['workspaces-images.json'],
    'charts/workspaces-exporter/files/rules.yml': { groups: groups },
    'deploy/kubernetes/prometheus-rule.yaml': {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: {
        name: mixin._config.prometheusRuleName,
        labels: mixin._config.prometheusRuleLabels,
      },
      spec: { groups: groups },
    },
  }
