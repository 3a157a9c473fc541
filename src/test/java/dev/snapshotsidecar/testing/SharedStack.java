package dev.snapshotsidecar.testing;

import dev.snapshotsidecar.testkit.DemoStack;
import dev.snapshotsidecar.testkit.EmbeddedKafka;
import dev.snapshotsidecar.testkit.LocalPostgres;
import dev.snapshotsidecar.testkit.RunningKafka;
import dev.snapshotsidecar.testkit.RunningPostgres;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;

/**
 * The one fixture that starts the real parts for every integration test, once per test JVM: PostgreSQL and a Kafka
 * broker from Testcontainers where a Docker engine answers (as in many users' CI), embedded otherwise (always, on
 * the machines this project is built on), and Kafka Connect with Debezium in the JVM in both cases. Stopped when
 * the test JVM's last test has run.
 */
public final class SharedStack implements BeforeAllCallback {
    private static final Logger LOG = LoggerFactory.getLogger(SharedStack.class);
    private static DemoStack stack;

    @Override
    public void beforeAll(ExtensionContext context) {
        get(context);
    }

    public static synchronized DemoStack get(ExtensionContext context) {
        if (stack == null) {
            boolean docker = dockerAvailable();
            LOG.info("starting the shared stack: PostgreSQL and Kafka {}", docker
                    ? "from Testcontainers (a Docker engine answered)"
                    : "embedded in this JVM (no Docker engine)");
            RunningPostgres postgres = docker ? ContainerPostgres.start() : LocalPostgres.start();
            RunningKafka kafka = docker ? ContainerKafka.start() : EmbeddedKafka.start();
            stack = DemoStack.start(postgres, kafka);
            context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
                    .put(SharedStack.class.getName(), (ExtensionContext.Store.CloseableResource) () -> stack.close());
        }
        return stack;
    }

    public static synchronized DemoStack stack() {
        if (stack == null) {
            throw new IllegalStateException("annotate the test class with @ExtendWith(SharedStack.class)");
        }
        return stack;
    }

    private static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }
}
