package dev.snapshotsidecar.build;

import dev.snapshotsidecar.config.HttpVersion;
import dev.snapshotsidecar.config.SidecarConfig;
import dev.snapshotsidecar.fold.StoredEvent;
import dev.snapshotsidecar.fold.http.HttpFold;
import dev.snapshotsidecar.fold.http.HttpFoldEndpoint;
import dev.snapshotsidecar.fold.http.StubFoldHost;
import dev.snapshotsidecar.request.Outcome;
import dev.snapshotsidecar.request.RequestReason;
import dev.snapshotsidecar.request.SnapshotRequest;
import dev.snapshotsidecar.request.SnapshotResult;
import dev.snapshotsidecar.testkit.ClinicalEvents;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Mutual TLS to the fold endpoint: the sidecar presents its client certificate (fold.http.tls.key-store) and trusts
 * the endpoint's (fold.http.tls.trust-store); without its certificate the endpoint refuses it. Key material is made
 * by the JDK's keytool for each run.
 */
class HttpFoldTlsTest {
    static final String PASSWORD = "changeit";
    @TempDir
    static Path dir;

    static void keytool(String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin",
                "keytool").toString()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor(60, TimeUnit.SECONDS) && process.exitValue() == 0).as(out).isTrue();
    }

    /** A self-signed key pair in {@code <name>.p12} and its certificate in {@code <name>.cer}. */
    static void keyPair(String name) throws Exception {
        keytool("-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + name,
                "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2", "-storetype", "PKCS12",
                "-keystore", dir.resolve(name + ".p12").toString(), "-storepass", PASSWORD);
        keytool("-exportcert", "-alias", name, "-keystore", dir.resolve(name + ".p12").toString(), "-storepass",
                PASSWORD, "-file", dir.resolve(name + ".cer").toString());
    }

    static void trust(String store, String certificate) throws Exception {
        keytool("-importcert", "-noprompt", "-alias", certificate, "-file", dir.resolve(certificate + ".cer").toString(),
                "-storetype", "PKCS12", "-keystore", dir.resolve(store).toString(), "-storepass", PASSWORD);
    }

    @BeforeAll
    static void keys() throws Exception {
        keyPair("endpoint");
        keyPair("sidecar");
        trust("endpoint-trusts.p12", "sidecar");
        trust("sidecar-trusts.p12", "endpoint");
    }

    static KeyStore load(String name) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(dir.resolve(name))) {
            store.load(in, PASSWORD.toCharArray());
        }
        return store;
    }

    static StubFoldHost endpoint() throws Exception {
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(load("endpoint.p12"), PASSWORD.toCharArray());
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(load("endpoint-trusts.p12"));
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), trust.getTrustManagers(), null);
        return StubFoldHost.mutualTls(context);
    }

    static SnapshotResult build(StubFoldHost host, Optional<Path> keyStore) {
        InMemoryStore store = new InMemoryStore();
        ClinicalEvents script = new ClinicalEvents("prescription-1", 0, 1);
        for (int i = 0; i < 20; i++) {
            var e = script.next();
            store.events.add(new StoredEvent(e.streamId(), e.version(), e.eventType(), e.data(), Optional.empty(),
                    Instant.EPOCH, i + 1));
        }
        SidecarConfig.FoldDefinition.Http settings = new SidecarConfig.FoldDefinition.Http(URI.create(host.url()),
                new SidecarConfig.HttpTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(2)),
                new SidecarConfig.HttpChunks(100, 1 << 20), new SidecarConfig.HttpLimits(2, 5, Duration.ofSeconds(1)),
                new SidecarConfig.HttpRetry(Duration.ofMillis(20), Duration.ofMillis(300)), Duration.ofMinutes(1),
                new SidecarConfig.HttpAuth(Optional.empty(), Optional.empty(), Optional.of(new SidecarConfig.HttpTls(
                        keyStore, keyStore.map(k -> PASSWORD), Optional.of(dir.resolve("sidecar-trusts.p12")),
                        Optional.of(PASSWORD)))), HttpVersion.HTTP_2);
        try (HttpFoldEndpoint endpoint = new HttpFoldEndpoint(settings, new SimpleMeterRegistry(), Clock.systemUTC())) {
            FoldingSnapshotBuilder builder = new FoldingSnapshotBuilder(store, store, Folds.of(Map.of("prescription",
                    new HttpFold("prescription", endpoint, 100, 1 << 20))), Map.of("prescription",
                    new BuildRules(3, 1 << 20)), 0, Clock.systemUTC());
            return builder.build(SnapshotRequest.of("prescription-1", "prescription", 19, -1,
                    RequestReason.THRESHOLD, Instant.EPOCH), BuildLease.ALWAYS);
        }
    }

    @Test
    @DisplayName("with its client certificate the sidecar folds over mutual TLS; without it the endpoint refuses it and the build fails")
    void mutualTls() throws Exception {
        try (StubFoldHost host = endpoint()) {
            assertThat(build(host, Optional.of(dir.resolve("sidecar.p12"))).outcome()).isEqualTo(Outcome.WRITTEN);
            SnapshotResult refused = build(host, Optional.empty());
            assertThat(refused.outcome()).isEqualTo(Outcome.FAILED);
            assertThat(refused.detail()).contains("connection error");
        }
    }
}
