package dev.snapshotsidecar.pipeline;

import dev.snapshotsidecar.config.ConnectorConfig;
import dev.snapshotsidecar.config.Dialect;
import dev.snapshotsidecar.testkit.DemoStack;
import dev.snapshotsidecar.testing.SharedStack;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The connector files users deploy, through a real Kafka Connect worker's validation with the real connectors. */
@ExtendWith(SharedStack.class)
class ConnectorFilesIT {

    @Test
    @DisplayName("connect/postgres.json validates against a real PostgreSQL, as derived by connector-config")
    void postgres() {
        DemoStack stack = SharedStack.stack();
        Map<String, String> config = new HashMap<>(ConnectorConfig.derive(stack.sidecarConfig("validate", Map.of()))
                .withName());
        config.put("database.user", stack.postgres().user());
        config.put("database.password", stack.postgres().password());
        assertThat(stack.connect().validate(config)).isEmpty();
        assertThat(stack.connect().validate(ConnectorConfig.template(Dialect.POSTGRES).withName()))
                .as("the file as shipped fails only where it would contact its database").isNotEmpty()
                .allSatisfy(problem -> assertThat(problem).startsWith("database.hostname"));
    }

    @Test
    @DisplayName("connect/sqlserver.json validates up to the point where a server would be contacted")
    void sqlServer() {
        DemoStack stack = SharedStack.stack();
        Map<String, String> shipped = ConnectorConfig.template(Dialect.SQL_SERVER).withName();
        List<String> problems = stack.connect().validate(shipped);
        assertThat(problems).as("only the connection to the absent server fails: %s", problems).isNotEmpty()
                .allSatisfy(problem -> assertThat(problem).startsWith("database.hostname"));
        Map<String, String> broken = new HashMap<>(shipped);
        broken.put("snapshot.mode", "sometimes");
        broken.remove("topic.prefix");
        assertThat(stack.connect().validate(broken)).as("the validation is real: it rejects a broken file")
                .anySatisfy(p -> assertThat(p).startsWith("snapshot.mode"))
                .anySatisfy(p -> assertThat(p).startsWith("topic.prefix"));
    }
}
