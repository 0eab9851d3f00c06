// The WorkSpaces images exporter's monitoring mixin: Prometheus alerts and
// recording rules, and a Grafana dashboard, configured by _config
// (config.libsonnet). scripts/mixin.sh renders them into alerts/,
// dashboards/ and deploy/kubernetes/.
(import 'config.libsonnet') +
(import 'alerts.libsonnet') +
(import 'rules.libsonnet') +
(import 'dashboards.libsonnet')
