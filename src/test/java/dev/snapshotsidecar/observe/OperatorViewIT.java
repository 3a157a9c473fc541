package dev.snapshotsidecar.observe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.snapshotsidecar.cli.Main;
import dev.snapshotsidecar.config.ConfigLoader;
import dev.snapshotsidecar.config.SidecarConfig;
import dev.snapshotsidecar.helm.HelmChartTest;
import dev.snapshotsidecar.runtime.Sidecar;
import dev.snapshotsidecar.store.EventAppender.NewEvent;
import dev.snapshotsidecar.testing.EventStoreProbe;
import dev.snapshotsidecar.testing.Poll;
import dev.snapshotsidecar.testing.SharedStack;
import dev.snapshotsidecar.testkit.ClinicalEvents;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The operator's view of one running sidecar, on the real broker, PostgreSQL and Debezium: the status page in a real
 * browser (headless Chromium from Debian's packages) with its numbers held to {@code /metrics}; the chart's alert
 * rules and dashboard queries held to the metrics the sidecar really exports; and the commands' progress, with
 * {@code rebuild} following the rebuild it asked for over the admin API. One sidecar serves all of them.
 */
@ExtendWith(SharedStack.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OperatorViewIT {
    private static final Logger LOG = LoggerFactory.getLogger(OperatorViewIT.class);
    static final Duration DEADLINE = Duration.ofMinutes(2);
    static final String APP = "it-operator";
    /** A type of this test alone, rebuilt to the end; and one whose only stream cannot be folded. */
    static final String RX = "rx";
    static final String RX_BAD = "rxbad";
    static final String BROKEN = "rxbad-operator-broken";
    /** Written into the broken stream's event: the page must never show it. */
    static final String PAYLOAD = "PAYLOAD-SENTINEL-4711";
    /** Labels Prometheus adds to every scraped series (kube-prometheus-stack's ServiceMonitor targets). */
    static final Set<String> TARGET_LABELS = Set.of("namespace", "job", "pod", "instance", "service", "endpoint",
            "container");
    static final Path TARGET = Path.of("target");

    final HttpClient http = HttpClient.newHttpClient();
    final ObjectMapper json = new ObjectMapper();
    EventStoreProbe probe;
    Sidecar sidecar;
    int port;
    Path configFile;
    Map<String, Integer> lengths = new LinkedHashMap<>();

    @BeforeAll
    void start() throws Exception {
        probe = EventStoreProbe.get();
        // one configuration file for the sidecar and for the commands run against it
        configFile = Files.createDirectories(TARGET.resolve("operator-view")).resolve("sidecar.yaml");
        Files.writeString(configFile, configuration(probe.stack.sidecarConfig(APP, Map.of())));
        SidecarConfig config = ConfigLoader.load(configFile, Map.of(), dir -> probe.aggregators.names());
        sidecar = Sidecar.start(config, probe.aggregators, new SidecarMetrics(), Clock.systemUTC(), DEADLINE);
        port = sidecar.httpPort().orElseThrow();
        // ready means it has read a first start's announcements of the snapshots other tests wrote
        Poll.until("the sidecar is ready", DEADLINE, () -> get("/health/ready").statusCode() == 200,
                () -> get("/health/ready").body());
        for (int i = 0; i < 24; i++) {
            lengths.put("patient-operator-" + i, 20 + i * 31); // 20 to 733 events: every bucket up to 500-999
        }
        for (int i = 0; i < 6; i++) {
            lengths.put("prescription-operator-" + i, 60 + i * 25);
            lengths.put("rx-operator-" + i, 60 + i * 40);
        }
        probe.write(lengths, 14);
        // a stream whose 50th event no aggregator knows: its build fails, with a reason and never its payload
        ClinicalEvents script = new ClinicalEvents(BROKEN, 0, 14);
        List<NewEvent> broken = new ArrayList<>();
        for (int v = 0; v < 49; v++) {
            broken.add(script.next());
        }
        broken.add(new NewEvent(BROKEN, 49, "PrescriptionTeleported", "{\"to\":\"" + PAYLOAD + "\"}"));
        probe.stores.appender().append(broken);
        Poll.until("every stream snapshotted, and the broken one failed", DEADLINE,
                () -> probe.due(lengths, "%-operator-%", 50).isEmpty() && failed() > 0,
                () -> probe.due(lengths, "%-operator-%", 50) + ", failed " + failed());
    }

    /**
     * The demo's types and two of this test's own, first, so that no other test's stream is one of them; the
     * stack's Kafka and database; the admin API on a free port with a token, reads open.
     */
    static String configuration(SidecarConfig stack) {
        return String.join("\n",
                "kafka:", "  bootstrap-servers: " + stack.kafka().bootstrapServers(), "  application-id: " + APP,
                "  state-dir: " + stack.kafka().stateDir().toAbsolutePath(),
                "  properties: {session.timeout.ms: \"6000\"}",
                "topics:", "  source: [" + String.join(", ", stack.topics().source()) + "]",
                "  partitions: " + stack.topics().partitions(),
                "database:", "  dialect: postgres", "  jdbc-url: " + stack.database().connection().jdbcUrl(),
                "  user: " + stack.database().connection().user(),
                "  password: " + stack.database().connection().password().orElse(""),
                "aggregate-types:",
                "  " + RX + ": {stream-id-pattern: \"rx-operator-.+\", aggregator: clinical.prescription,"
                        + " every-n-events: 50}",
                "  " + RX_BAD + ": {stream-id-pattern: \"rxbad-operator-.+\", aggregator: clinical.prescription,"
                        + " every-n-events: 50}",
                "  patient: {stream-id-pattern: \"patient-.+\", aggregator: clinical.patient, every-n-events: 50}",
                "  prescription: {stream-id-pattern: \"prescription-.+\", aggregator: clinical.prescription,"
                        + " every-n-events: 50}",
                "tracker: {scan-interval: 1s}",
                "http: {port: 0, admin-token: " + AdminApiIT.TOKEN + ", reads-open: true}", "");
    }

    @AfterAll
    void stop() {
        if (sidecar != null) {
            sidecar.close();
        }
    }

    double failed() {
        return Optional.ofNullable(PromQl.scrape(get("/metrics").body()).value("sidecar_build_results_builds_total",
                Map.of("outcome", "FAILED"))).orElse(0.0);
    }

    HttpResponse<String> get(String path) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                    .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    // ---------------------------------------------------------------------------------------------- status page

    @Test
    @Order(1)
    @DisplayName("the status page, rendered by headless Chromium, shows what /metrics says: every figure that names a"
            + " series, the failure with its reason and no payload, the charts; a screenshot is kept under target/")
    void statusPageInABrowser() throws Exception {
        Chromium chromium = Chromium.find();
        String url = "http://localhost:" + port + "/";
        // the page and the scrape are read one after the other: take a pair whose statistics are the same
        // computation and whose counters did not move in between (a failed stream is asked again meanwhile)
        String dom = "";
        List<String> mismatches = List.of("not compared yet");
        for (int attempt = 0; attempt < 5 && !mismatches.isEmpty(); attempt++) {
            dom = chromium.dumpDom(url);
            mismatches = mismatches(PageFigures.parse(dom), PromQl.scrape(get("/metrics").body()));
            if (!mismatches.isEmpty()) {
                LOG.info("page and /metrics differ (attempt {}): {}", attempt + 1, mismatches);
            }
        }
        Files.writeString(TARGET.resolve("status-page.html"), dom);
        assertThat(mismatches).as("figures of the page that /metrics does not show alike").isEmpty();

        List<PageFigures.Figure> figures = PageFigures.parse(dom);
        for (String type : List.of(RX, "patient", "prescription")) {
            for (String family : List.of("sidecar_stream_length_events", "sidecar_stream_events_since_snapshot_events",
                    "sidecar_stream_snapshot_age_seconds")) {
                for (String quantile : List.of("p50", "p95", "p99", "max")) {
                    assertThat(figures).as("%s of %s at %s on the page", family, type, quantile)
                            .anyMatch(f -> f.name().equals(family) && f.labels().equals(Map.of("aggregate_type", type,
                                    "quantile", quantile)));
                }
            }
        }
        assertThat(figures).filteredOn(f -> f.name().equals("sidecar_build_results_builds_total")
                && f.labels().equals(Map.of("outcome", "FAILED"))).singleElement()
                .satisfies(f -> assertThat(f.value()).isPositive());
        assertThat(figures).extracting(PageFigures.Figure::name).contains("sidecar_build_backlog_requests",
                "sidecar_stream_snapshot_threshold_events", "sidecar_erasures_pending_streams",
                "sidecar_stream_statistics_timestamp_seconds", "sidecar_ingest_dead_letters_events_total");
        for (PageFigures.Figure figure : figures) {
            assertThat(PageFigures.shown(figure)).as("the text of %s", figure.series())
                    .isCloseTo(PageFigures.expectedShown(figure), org.assertj.core.api.Assertions.within(0.051));
        }
        // what the browser built: the document, its charts, the failure with its reason, and no payload
        assertThat(dom).contains("<svg", "<rect", "Stream lengths (events)", BROKEN, "UnknownEventTypeException",
                "PrescriptionTeleported").doesNotContain(PAYLOAD, "<script");
        assertThat(dom).contains("data-partitions=\"tracker-active\">0, 1, 2, 3<");

        Path screenshot = TARGET.resolve("status-page.png");
        chromium.screenshot(url, screenshot, "1280,900");
        chromium.screenshot(url, TARGET.resolve("status-page-full.png"), "1280,3400");
        assertThat(Files.size(screenshot)).as("a screenshot at %s", screenshot.toAbsolutePath()).isGreaterThan(20_000);
        LOG.info("status page: {} figures checked against /metrics; screenshot {}", figures.size(),
                screenshot.toAbsolutePath());
    }

    /** Each figure against the scrape: the series exists and has the figure's value. */
    static List<String> mismatches(List<PageFigures.Figure> figures, PromQl.Scrape scrape) {
        List<String> mismatches = new ArrayList<>();
        if (figures.isEmpty()) {
            mismatches.add("the page has no figure");
        }
        for (PageFigures.Figure figure : figures) {
            Double value = scrape.value(figure.name(), figure.labels());
            if (value == null) {
                mismatches.add(figure.series() + ": no such series in /metrics");
            } else if (Math.abs(value - figure.value()) > 1e-3 * Math.max(1, Math.abs(value))) {
                mismatches.add(figure.series() + ": page " + figure.value() + ", /metrics " + value);
            }
        }
        return mismatches;
    }

    // ------------------------------------------------------------------------------------ alerts and dashboard

    @Test
    @Order(2)
    @DisplayName("every metric and label the chart's alert rules and dashboard panels name is exported by a running"
            + " sidecar")
    void rulesAndDashboardReferenceExportedMetrics() throws Exception {
        assertThat(get("/").statusCode()).as("the page publishes the stream gauges").isEqualTo(200);
        String exposition = get("/metrics").body();
        Files.writeString(TARGET.resolve("operator-view").resolve("metrics.txt"), exposition);
        PromQl.Scrape scrape = PromQl.scrape(exposition);
        List<JsonNode> objects = HelmChartTest.render(HelmChartTest::everythingOn);

        Map<String, String> expressions = new LinkedHashMap<>();
        HelmChartTest.only(objects, "PrometheusRule").at("/spec/groups").forEach(group -> group.path("rules")
                .forEach(rule -> expressions.put("alert " + rule.path("alert").asText(), rule.path("expr").asText())));
        JsonNode dashboard = json.readTree(objects.stream().filter(o -> o.at("/metadata/name").asText()
                .endsWith("-dashboard")).findFirst().orElseThrow().at("/data/snapshot-sidecar.json").asText());
        dashboard.path("panels").forEach(panel -> panel.path("targets").forEach(target -> expressions.put(
                "panel '" + panel.path("title").asText() + "' " + target.path("refId").asText(),
                target.path("expr").asText())));
        assertThat(expressions.keySet()).filteredOn(k -> k.startsWith("alert "))
                .hasSize(HelmChartTest.ALERTS.size());
        assertThat(expressions.keySet()).filteredOn(k -> k.startsWith("panel ")).hasSizeGreaterThanOrEqualTo(20);

        List<String> problems = new ArrayList<>();
        int selectors = 0;
        for (Map.Entry<String, String> expression : expressions.entrySet()) {
            PromQl.References refs = PromQl.references(expression.getValue());
            assertThat(refs.selectors()).as(expression.getKey()).isNotEmpty();
            Set<String> labelsSeen = new java.util.HashSet<>(TARGET_LABELS);
            for (PromQl.Selector selector : refs.selectors()) {
                selectors++;
                String where = expression.getKey() + ": " + selector.metric();
                if (!scrape.series().containsKey(selector.metric())) {
                    problems.add(where + " is not exported");
                    continue;
                }
                labelsSeen.addAll(scrape.labelNames(selector.metric()));
                for (PromQl.Matcher matcher : selector.matchers()) {
                    if (TARGET_LABELS.contains(matcher.label())) {
                        continue;
                    }
                    if (!scrape.labelNames(selector.metric()).contains(matcher.label())) {
                        problems.add(where + " has no label " + matcher.label() + " (it has "
                                + scrape.labelNames(selector.metric()) + ")");
                    } else if ((matcher.op().equals("=") || matcher.op().equals("=~"))
                            && scrape.labelValues(selector.metric(), matcher.label()).stream()
                            .noneMatch(matcher::accepts)) {
                        problems.add(where + ": no series with " + matcher.label() + matcher.op() + "\""
                                + matcher.value() + "\" (values " + scrape.labelValues(selector.metric(),
                                matcher.label()) + ")");
                    }
                }
            }
            for (String label : refs.groupingLabels()) {
                if (!labelsSeen.contains(label)) {
                    problems.add(expression.getKey() + ": groups or matches by " + label
                            + ", which none of its metrics has");
                }
            }
        }
        assertThat(problems).as("references to metrics a running sidecar does not export").isEmpty();
        LOG.info("{} expressions ({} selectors) of the alert rules and the dashboard checked against /metrics",
                expressions.size(), selectors);
    }

    @Test
    @Order(3)
    @DisplayName("promtool checks the rendered rules and runs each alert on series that fire it and that do not")
    void promtool() throws Exception {
        Optional<Path> promtool = onPath("promtool");
        Assumptions.assumeTrue(promtool.isPresent(), "promtool is not installed: the rules' unit tests need Debian's"
                + " prometheus package (apt-get install -y prometheus; .ci/run installs it)");
        Path dir = Files.createDirectories(TARGET.resolve("operator-view").resolve("promtool"));
        JsonNode rule = HelmChartTest.only(HelmChartTest.render(t -> t.set("prometheusRule.enabled", "true")),
                "PrometheusRule");
        HelmChartTest.YAML.writeValue(dir.resolve("rules.yaml").toFile(), rule.path("spec"));
        try (var tests = OperatorViewIT.class.getResourceAsStream("/prometheus/alerts-test.yaml")) {
            Files.write(dir.resolve("alerts-test.yaml"), tests.readAllBytes());
        }
        for (List<String> command : List.of(List.of("check", "rules", "rules.yaml"),
                List.of("test", "rules", "alerts-test.yaml"))) {
            List<String> argv = new ArrayList<>(List.of(promtool.get().toString()));
            argv.addAll(command);
            Process process = new ProcessBuilder(argv).directory(dir.toFile()).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(process.exitValue()).as("promtool %s:%n%s", String.join(" ", command), output).isZero();
            assertThat(output).contains("SUCCESS");
        }
    }

    // ------------------------------------------------------------------------------------------------ commands

    record Run(int exit, String out, String err) {
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine commandLine = Main.commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        int exit = commandLine.execute(args);
        LOG.info("{} exited {}\n--- stdout\n{}--- stderr\n{}", String.join(" ", args), exit, out, err);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    @Order(4)
    @DisplayName("rebuild follows the rebuild it asked for over the admin API until every stream is answered, with"
            + " progress lines; a type with a failing stream ends with exit 1 and says so")
    void rebuildShowsProgress() throws Exception {
        Run rebuilt = run("rebuild", "--config", configFile.toString(), "--aggregate-type", RX,
                "--admin-url", "http://localhost:" + port, "--poll-interval", "PT0.2S");
        assertThat(rebuilt.exit()).as(rebuilt.err()).isZero();
        assertThat(rebuilt.err()).contains("rebuild of rx requested at", "following it at http://localhost:" + port
                + "/rebuilds/rx?requestedAt=", "rebuilding rx: 6/6 in ");
        assertThat(rebuilt.out()).isEqualTo("rebuild of rx: 6 streams, 6 rebuilt, 0 not (0 failing)\n");
        String requestedAt = rebuilt.err().replaceAll("(?s).*requestedAt=([^ \n]+).*", "$1");
        JsonNode progress = json.readTree(get("/rebuilds/rx?requestedAt=" + requestedAt).body());
        assertThat(progress.path("complete").asBoolean()).as(progress.toString()).isTrue();
        assertThat(progress.at("/streams/answered").asLong()).isEqualTo(6);
        assertThat(progress.at("/tasks/finished").asInt()).isEqualTo(progress.at("/tasks/expected").asInt());
        assertThat(get("/").body()).contains("every stream asked for · asked 6 of 6 · rebuilt 6");

        Run failing = run("rebuild", "--config", configFile.toString(), "--aggregate-type", RX_BAD,
                "--admin-url", "http://localhost:" + port, "--poll-interval", "PT0.2S", "--json");
        assertThat(failing.exit()).as(failing.err()).isEqualTo(1);
        JsonNode last = json.readTree(failing.out());
        assertThat(last.path("complete").asBoolean()).isTrue();
        assertThat(last.at("/streams/total").asLong()).isEqualTo(1);
        assertThat(last.at("/streams/failing").asLong()).as("the broken stream").isEqualTo(1);
        assertThat(failing.err()).contains("1 streams of rxbad were not rebuilt").doesNotContain("\r");
    }

    @Test
    @Order(5)
    @DisplayName("verify and analyze report their phases as plain lines on standard error, their result on standard"
            + " output")
    void verifyAndAnalyzeShowProgress() throws Exception {
        Run verify = run("verify", "--config", configFile.toString(), "--sample", "5");
        assertThat(verify.exit()).as(verify.out()).isIn(0, 1);
        assertThat(verify.err()).containsPattern("listing streams with snapshots: [0-9,]+ in ")
                .contains("verifying: 5/5 in ");
        assertThat(verify.out()).contains("verified 5 streams");

        // analyze folds a sample of each type: without rxbad, whose one stream cannot be folded (analyze stops at it)
        Path analyzed = configFile.resolveSibling("analyze.yaml");
        Files.writeString(analyzed, Files.readString(configFile).lines().filter(l -> !l.contains(RX_BAD + ":"))
                .collect(java.util.stream.Collectors.joining("\n", "", "\n")));
        Run analyze = run("analyze", "--config", analyzed.toString(), "--json", "--sample", "3");
        assertThat(analyze.exit()).as(analyze.err()).isZero();
        assertThat(json.readTree(analyze.out()).path("aggregateTypes")).hasSize(3);
        // three streams of each of the three types (each type's sample is one step per stream, however its fold
        // measures it: the sample is folded through the type's own fold, whatever its kind)
        assertThat(analyze.err()).containsPattern("reading stream lengths: [0-9,]+ in ")
                .containsPattern("reading latest snapshots: [0-9,]+ in ")
                .contains("folding a sample of streams: 9/9 in ");
    }

    static Optional<Path> onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            Path candidate = Path.of(dir, program);
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /**
     * Headless Chromium from Debian's package, started as the environment notes say: no sandbox (root in CI), no GPU,
     * none of its background connections (the network is closed), a fresh profile per run.
     */
    record Chromium(Path binary) {
        static Chromium find() throws Exception {
            Optional<Path> binary = onPath("chromium").or(() -> onPath("chromium-browser"));
            Assumptions.assumeTrue(binary.isPresent(), "no browser: Debian's chromium package is not installed "
                    + "(apt-get install -y chromium; .ci/run installs it), so the page cannot be rendered here");
            Chromium chromium = new Chromium(binary.get());
            String version;
            try {
                version = chromium.run(List.of("--version"));
            } catch (IOException | AssertionError e) {
                Assumptions.abort("no browser: " + binary.get() + " does not start (" + e.getMessage() + ")");
                throw e;
            }
            LOG.info("rendering with {}", version.trim());
            return chromium;
        }

        String dumpDom(String url) throws Exception {
            return run(List.of("--dump-dom", url));
        }

        void screenshot(String url, Path file, String size) throws Exception {
            Files.deleteIfExists(file);
            run(List.of("--screenshot=" + file.toAbsolutePath(), "--window-size=" + size, "--hide-scrollbars", url));
            assertThat(file).exists();
        }

        private String run(List<String> args) throws Exception {
            Path profile = Files.createTempDirectory("chromium-profile");
            List<String> argv = new ArrayList<>(List.of(binary.toString(), "--headless=new", "--no-sandbox",
                    "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-first-run", "--user-data-dir=" + profile));
            argv.addAll(args);
            Path stderr = Files.createTempFile("chromium", ".log");
            try {
                Process process = new ProcessBuilder(argv).redirectError(stderr.toFile()).start();
                byte[] out = process.getInputStream().readAllBytes();
                if (!process.waitFor(60, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    throw new AssertionError("chromium did not finish within 60 s: " + argv);
                }
                if (process.exitValue() != 0) {
                    throw new AssertionError("chromium exited " + process.exitValue() + ": "
                            + Files.readString(stderr));
                }
                return new String(out, StandardCharsets.UTF_8);
            } finally {
                Files.deleteIfExists(stderr);
                try (var files = Files.walk(profile)) {
                    files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
    }
}
