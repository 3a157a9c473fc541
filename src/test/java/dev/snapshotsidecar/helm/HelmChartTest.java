package dev.snapshotsidecar.helm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import dev.snapshotsidecar.config.ConfigLoader;
import dev.snapshotsidecar.config.SidecarConfig;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The Helm chart, linted and rendered offline with helm-java (helm 3 in-process), and its objects checked. */
public class HelmChartTest {
    static final Path CHART = Path.of("helm", "snapshot-sidecar");
    public static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    /** The chart rendered as `helm template clinical` renders it, with {@code options} applied; its objects. */
    public static List<JsonNode> render(UnaryOperator<TemplateCommand> options) throws IOException {
        return render(CHART, options);
    }

    static List<JsonNode> render(Path chart, UnaryOperator<TemplateCommand> options) throws IOException {
        String manifest = options.apply(new Helm(chart).template().withName("clinical").withNamespace("default")
                .withKubeVersion("1.30.0")).call();
        List<JsonNode> objects = new ArrayList<>();
        try (YAMLParser parser = new YAMLFactory().createParser(manifest)) {
            YAML.readValues(parser, JsonNode.class).forEachRemaining(node -> {
                if (node != null && !node.isNull() && node.has("kind")) {
                    objects.add(node);
                }
            });
        }
        return objects;
    }

    public static JsonNode only(List<JsonNode> objects, String kind) {
        List<JsonNode> found = objects.stream().filter(o -> o.path("kind").asText().equals(kind)).toList();
        assertThat(found).as("one %s", kind).hasSize(1);
        return found.get(0);
    }

    public static TemplateCommand everythingOn(TemplateCommand t) {
        return t.set("serviceMonitor.enabled", "true").set("networkPolicy.enabled", "true")
                .set("prometheusRule.enabled", "true")
                .set("kafkaConnector.enabled", "true").set("kafkaConnector.config.topic\\.prefix", "eventstore")
                .set("grafanaDashboard.enabled", "true").set("persistence.enabled", "false")
                .set("secrets.existingSecret", "clinical-secrets").set("podDisruptionBudget.enabled", "true");
    }

    @Test
    @DisplayName("helm lint --strict passes, with defaults and with every optional part on")
    void lint(@TempDir Path copy) throws IOException {
        LintResult result = new Helm(CHART).lint().strict().call();
        assertThat(result.isFailed()).as("%s", result.getMessages()).isFalse();
        // lint takes no --set: a copy of the chart whose values switch every optional part on
        copyChart(copy);
        ObjectNode values = (ObjectNode) YAML.readTree(CHART.resolve("values.yaml").toFile());
        for (String part : List.of("serviceMonitor", "networkPolicy", "kafkaConnector", "grafanaDashboard",
                "prometheusRule", "podDisruptionBudget")) {
            ((ObjectNode) values.path(part)).put("enabled", true);
        }
        ((ObjectNode) values.path("prometheusRule")).put("runbookUrl",
                "https://git.example/snapshot-sidecar/blob/main/docs/operations.md");
        ((ObjectNode) values.path("secrets")).put("existingSecret", "clinical-secrets");
        YAML.writeValue(copy.resolve("values.yaml").toFile(), values);
        LintResult everything = new Helm(copy).lint().strict().call();
        assertThat(everything.isFailed()).as("%s", everything.getMessages()).isFalse();
    }

    private static void copyChart(Path target) throws IOException {
        try (java.util.stream.Stream<Path> files = java.nio.file.Files.walk(CHART)) {
            for (Path file : files.toList()) {
                Path to = target.resolve(CHART.relativize(file).toString());
                if (java.nio.file.Files.isDirectory(file)) {
                    java.nio.file.Files.createDirectories(to);
                } else {
                    java.nio.file.Files.copy(file, to, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    @Test
    @DisplayName("the PrometheusRule, off by default, carries every alert with a severity, a summary, a description"
            + " and, once runbookUrl is set, a link to its runbook section in docs/operations.md")
    void prometheusRule() throws IOException {
        assertThat(render(t -> t)).noneMatch(o -> o.path("kind").asText().equals("PrometheusRule"));
        JsonNode rule = only(render(t -> t.set("prometheusRule.enabled", "true")
                .set("prometheusRule.labels.release", "kube-prometheus-stack")
                .set("prometheusRule.runbookUrl", "https://git.example/docs/operations.md")), "PrometheusRule");
        assertThat(rule.path("apiVersion").asText()).isEqualTo("monitoring.coreos.com/v1");
        assertThat(rule.at("/metadata/labels/release").asText()).isEqualTo("kube-prometheus-stack");
        List<JsonNode> alerts = new ArrayList<>();
        rule.at("/spec/groups/0/rules").forEach(alerts::add);
        assertThat(alerts).extracting(a -> a.path("alert").asText()).containsExactly(ALERTS.toArray(String[]::new));
        String operations = java.nio.file.Files.readString(Path.of("docs", "operations.md"));
        Set<String> anchors = new java.util.HashSet<>();
        operations.lines().filter(l -> l.startsWith("#")).forEach(l -> anchors.add(anchor(l)));
        for (JsonNode alert : alerts) {
            String name = alert.path("alert").asText();
            assertThat(alert.at("/labels/severity").asText()).as(name).isIn("warning", "critical");
            assertThat(alert.at("/annotations/summary").asText()).as(name).isNotBlank();
            assertThat(alert.at("/annotations/description").asText()).as(name).hasSizeGreaterThan(80);
            assertThat(alert.path("expr").asText()).as(name)
                    .contains("namespace=\"default\", job=\"clinical-snapshot-sidecar\"");
            String runbook = alert.at("/annotations/runbook_url").asText();
            assertThat(runbook).as(name).isEqualTo("https://git.example/docs/operations.md#" + name.toLowerCase());
            assertThat(anchors).as("a section of docs/operations.md for " + name).contains(name.toLowerCase());
        }
        JsonNode withoutRunbook = only(render(t -> t.set("prometheusRule.enabled", "true")), "PrometheusRule");
        assertThat(withoutRunbook.at("/spec/groups/0/rules/0/annotations/runbook_url").isMissingNode()).isTrue();
        assertThatThrownBy(() -> render(t -> t.set("prometheusRule.thresholds.backlogGrowingFor", "15 minutes")))
                .hasMessageContaining("backlogGrowingFor");
    }

    /** The alerts the chart ships, in order. */
    public static final List<String> ALERTS = List.of("SnapshotSidecarBuildsFailing", "SnapshotSidecarBacklogGrowing",
            "SnapshotSidecarSnapshotsBehind", "SnapshotSidecarErasureNotConfirmed", "SnapshotSidecarDeadLetters",
            "SnapshotSidecarTrackerLagGrowing", "SnapshotSidecarWorkerPaused");

    /** The anchor GitHub gives a Markdown heading. */
    static String anchor(String heading) {
        return heading.replaceFirst("^#+\\s*", "").trim().toLowerCase(java.util.Locale.ROOT)
                .replaceAll("[^a-z0-9 _-]", "").replace(' ', '-');
    }

    @Test
    @DisplayName("helm test: a hook pod asks every instance for /health/ready on the port it listens on, is selected"
            + " by neither Service nor PodDisruptionBudget, and may pass the NetworkPolicy")
    void helmTest(@TempDir Path copy) throws IOException {
        // helm template leaves hooks out: render a copy in which the test pod is no hook (lint checks the hook itself)
        copyChart(copy);
        Path hook = copy.resolve("templates/tests/test-ready.yaml");
        String template = java.nio.file.Files.readString(hook);
        assertThat(template).contains("    helm.sh/hook: test\n");
        java.nio.file.Files.writeString(hook, template.replace("helm.sh/hook: test", "helm.sh/hook-as-rendered: test"));
        List<JsonNode> objects = render(copy, t -> t.set("replicas", "3").set("networkPolicy.enabled", "true"));
        JsonNode pod = objects.stream().filter(o -> o.path("kind").asText().equals("Pod")).findFirst().orElseThrow();
        assertThat(pod.at("/metadata/annotations/helm.sh~1hook-as-rendered").asText()).isEqualTo("test");
        String script = pod.at("/spec/containers/0/args/0").asText();
        SidecarConfig config = sidecarConfig(objects);
        assertThat(script).contains("$(seq 0 2)", "http://clinical-snapshot-sidecar-$i.clinical-snapshot-sidecar-headless:"
                + config.http().port() + "/health/ready", "wget");
        assertThat(pod.at("/spec/containers/0/image").asText()).isEqualTo("busybox:1.36");
        assertThat(pod.at("/spec/securityContext/runAsNonRoot").asBoolean()).isTrue();
        assertThat(pod.at("/spec/containers/0/securityContext/readOnlyRootFilesystem").asBoolean()).isTrue();
        assertThat(pod.at("/spec/restartPolicy").asText()).isEqualTo("Never");
        JsonNode selector = only(objects, "StatefulSet").at("/spec/selector/matchLabels");
        java.util.Map<String, String> podLabels = YAML.convertValue(pod.at("/metadata/labels"),
                new com.fasterxml.jackson.core.type.TypeReference<java.util.Map<String, String>>() { });
        java.util.Map<String, String> selected = YAML.convertValue(selector,
                new com.fasterxml.jackson.core.type.TypeReference<java.util.Map<String, String>>() { });
        assertThat(podLabels.entrySet().containsAll(selected.entrySet())).as("the test pod is one of the instances")
                .isFalse();
        JsonNode allowed = only(objects, "NetworkPolicy").at("/spec/ingress/0/from");
        assertThat(allowed.toString()).contains("\"app.kubernetes.io/component\":\"helm-test\"");
    }

    @Test
    @DisplayName("the default values render a StatefulSet whose probes and state volume match the application")
    void defaults() throws IOException {
        List<JsonNode> objects = render(t -> t.set("secrets.databasePassword", "hunter2")
                .set("secrets.adminToken", "s3cret"));
        assertThat(objects).extracting(o -> o.path("kind").asText())
                .contains("StatefulSet", "ConfigMap", "Secret", "Service", "PodDisruptionBudget")
                .doesNotContain("ServiceMonitor", "NetworkPolicy", "KafkaConnector");
        JsonNode statefulSet = only(objects, "StatefulSet");
        JsonNode pod = statefulSet.at("/spec/template/spec");
        JsonNode container = pod.at("/containers/0");

        // probes point at the real endpoints, on the port the application listens on
        assertThat(container.at("/livenessProbe/httpGet/path").asText()).isEqualTo("/health/live");
        assertThat(container.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/health/ready");
        assertThat(container.at("/ports/0/name").asText()).isEqualTo("http");
        SidecarConfig config = sidecarConfig(objects);
        assertThat(container.at("/ports/0/containerPort").asInt()).isEqualTo(config.http().port());

        // the state volume is mounted where the application writes its state
        String stateDir = config.kafka().stateDir().toString();
        assertThat(mountPath(container, "state")).isEqualTo(stateDir);
        assertThat(statefulSet.at("/spec/volumeClaimTemplates/0/metadata/name").asText()).isEqualTo("state");

        // application.server from the pod IP, static membership from the pod name, secrets from the Secret
        assertThat(envFrom(container, "SIDECAR_HTTP_ADVERTISED_HOST").at("/valueFrom/fieldRef/fieldPath").asText())
                .isEqualTo("status.podIP");
        assertThat(envFrom(container, "SIDECAR_KAFKA_PROPERTIES_GROUP_INSTANCE_ID").at("/valueFrom/fieldRef/fieldPath")
                .asText()).isEqualTo("metadata.name");
        assertThat(envFrom(container, "SIDECAR_DATABASE_PASSWORD").at("/valueFrom/secretKeyRef/name").asText())
                .isEqualTo(only(objects, "Secret").at("/metadata/name").asText());

        // a stop that cannot complete is logged and exits 1 before Kubernetes kills the pod; an OOM ends the JVM
        assertThat(config.shutdownGracePeriod()).isEqualTo(Duration.ofSeconds(55))
                .isLessThan(Duration.ofSeconds(pod.at("/terminationGracePeriodSeconds").asLong()));
        assertThat(envFrom(container, "JAVA_TOOL_OPTIONS").path("value").asText())
                .contains("-XX:+ExitOnOutOfMemoryError");

        // non-root, read-only root filesystem, a writable /tmp for RocksDB's native library
        assertThat(pod.at("/securityContext/runAsNonRoot").asBoolean()).isTrue();
        assertThat(container.at("/securityContext/readOnlyRootFilesystem").asBoolean()).isTrue();
        assertThat(mountPath(container, "tmp")).isEqualTo("/tmp");

        // secrets are never in a ConfigMap
        for (JsonNode object : objects) {
            if (object.path("kind").asText().equals("ConfigMap")) {
                assertThat(object.toString()).doesNotContain("hunter2", "s3cret");
            }
        }
        assertThat(only(objects, "Secret").toString()).contains("hunter2", "s3cret");
    }

    @Test
    @DisplayName("every optional part switched on renders: ServiceMonitor, NetworkPolicy, KafkaConnector, dashboard")
    void everything() throws IOException {
        List<JsonNode> objects = render(HelmChartTest::everythingOn);
        assertThat(only(objects, "ServiceMonitor").at("/spec/endpoints/0/path").asText()).isEqualTo("/metrics");
        assertThat(only(objects, "KafkaConnector").path("apiVersion").asText()).isEqualTo("kafka.strimzi.io/v1");
        assertThat(only(objects, "KafkaConnector").at("/spec/config/topic.prefix").asText()).isEqualTo("eventstore");
        assertThat(only(objects, "NetworkPolicy").at("/spec/ingress/0/ports/0/port").asText()).isEqualTo("http");
        assertThat(objects).noneMatch(o -> o.path("kind").asText().equals("Secret"));
        JsonNode statefulSet = only(objects, "StatefulSet");
        assertThat(statefulSet.at("/spec/volumeClaimTemplates").isMissingNode()).isTrue();
        assertThat(envFrom(statefulSet.at("/spec/template/spec/containers/0"), "SIDECAR_DATABASE_PASSWORD")
                .at("/valueFrom/secretKeyRef/name").asText()).isEqualTo("clinical-secrets");
        JsonNode dashboard = objects.stream().filter(o -> o.at("/metadata/name").asText().endsWith("-dashboard"))
                .findFirst().orElseThrow();
        JsonNode json = new ObjectMapper().readTree(dashboard.at("/data/snapshot-sidecar.json").asText());
        assertThat(json.path("panels").toString()).contains("sidecar_stream_length_events",
                "sidecar_build_backlog_requests", "sidecar_build_duration_seconds");
    }

    @Test
    @DisplayName("the sidecar's grace period follows the pod's, 5 s shorter")
    void gracePeriod() throws IOException {
        List<JsonNode> objects = render(t -> t.set("terminationGracePeriodSeconds", "30"));
        assertThat(only(objects, "StatefulSet").at("/spec/template/spec/terminationGracePeriodSeconds").asInt())
                .isEqualTo(30);
        assertThat(sidecarConfig(objects).shutdownGracePeriod()).isEqualTo(Duration.ofSeconds(25));
    }

    @Test
    @DisplayName("the sidecar's topics are named after the application id, so two releases with their own ids never share them")
    void topicsPerRelease() throws IOException {
        SidecarConfig.Topics defaults = sidecarConfig(render(t -> t)).topics();
        SidecarConfig.Topics billing = sidecarConfig(render(t -> t.set("config.kafka.application-id", "billing-sidecar")))
                .topics();
        assertThat(List.of(defaults.requests(), defaults.results(), defaults.deadLetters(), defaults.commands()))
                .containsExactly("snapshot-sidecar-requests", "snapshot-sidecar-results",
                        "snapshot-sidecar-dead-letters", "snapshot-sidecar-commands");
        assertThat(List.of(billing.requests(), billing.results(), billing.deadLetters(), billing.commands()))
                .containsExactly("billing-sidecar-requests", "billing-sidecar-results",
                        "billing-sidecar-dead-letters", "billing-sidecar-commands");
        SidecarConfig.Topics pinned = sidecarConfig(render(t -> t.set("config.topics.requests", "snapshot-requests")))
                .topics();
        assertThat(pinned.requests()).isEqualTo("snapshot-requests");
        assertThat(pinned.results()).isEqualTo("snapshot-sidecar-results");
    }

    @Test
    @DisplayName("a typo in the values, or a password in the config, fails at install")
    void typos() {
        assertThatThrownBy(() -> render(t -> t.set("replicaCount", "3"))).hasMessageContaining("replicaCount");
        assertThatThrownBy(() -> render(t -> t.set("persistence.enabeld", "false"))).hasMessageContaining("enabeld");
        assertThatThrownBy(() -> render(t -> t.set("config.databse.user", "x"))).hasMessageContaining("databse");
        assertThatThrownBy(() -> render(t -> t.set("config.database.password", "hunter2")))
                .hasMessageContaining("password");
        assertThatThrownBy(() -> render(t -> t.set("config.shutdown.grace-period", "90s")))
                .hasMessageContaining("shutdown");
        assertThatThrownBy(() -> render(t -> t.set("terminationGracePeriodSeconds", "5")))
                .hasMessageContaining("terminationGracePeriodSeconds");
    }

    /** The sidecar's configuration as the pod reads it: the ConfigMap's file with the container's plain env values. */
    private static SidecarConfig sidecarConfig(List<JsonNode> objects) {
        JsonNode container = only(objects, "StatefulSet").at("/spec/template/spec/containers/0");
        return ConfigLoader.parse(only(objects, "ConfigMap").at("/data/sidecar.yaml").asText(), env(container),
                dir -> Set.of("clinical.patient", "clinical.prescription"));
    }

    private static Map<String, String> env(JsonNode container) {
        Map<String, String> env = new java.util.HashMap<>();
        container.path("env").forEach(e -> {
            if (e.has("value")) {
                env.put(e.path("name").asText(), e.path("value").asText());
            }
        });
        return env;
    }

    private static JsonNode envFrom(JsonNode container, String name) {
        for (JsonNode e : container.path("env")) {
            if (e.path("name").asText().equals(name)) {
                return e;
            }
        }
        throw new AssertionError("no env " + name);
    }

    private static String mountPath(JsonNode container, String volume) {
        for (JsonNode mount : container.path("volumeMounts")) {
            if (mount.path("name").asText().equals(volume)) {
                return mount.path("mountPath").asText();
            }
        }
        return Optional.<String>empty().orElseThrow(() -> new AssertionError("no mount of " + volume));
    }
}
