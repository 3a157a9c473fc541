package dev.snapshotsidecar;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The layering docs/how-it-works.md describes, checked on the product's compiled classes (test classes, the test kit
 * and the demo's own build are not imported): each rule must hold with no violation, and a
 * failure lists every violating dependency.
 */
class ArchitectureTest {
    static JavaClasses classes;

    static void assertHolds(ArchRule rule) {
        EvaluationResult result = rule.evaluate(classes);
        assertThat(result.hasViolation()).as("%s", result.getFailureReport()).isFalse();
    }

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.snapshotsidecar");
    }

    @Test
    @DisplayName("fold imports neither Kafka nor JDBC")
    void foldIsPure() {
        assertHolds(noClasses().that().resideInAPackage("..fold..")
                .should().dependOnClassesThat().resideInAnyPackage("org.apache.kafka..", "java.sql..", "javax.sql..",
                        "org.postgresql..", "com.microsoft.sqlserver.."));
    }

    @Test
    @DisplayName("only store/<dialect> imports a JDBC driver")
    void driversInDialects() {
        assertHolds(noClasses().that().resideOutsideOfPackages("..store.postgres..", "..store.sqlserver..")
                .should().dependOnClassesThat().resideInAnyPackage("org.postgresql..", "com.microsoft.sqlserver.."));
    }

    @Test
    @DisplayName("ingest, fold, store, config and cli import no Kafka client")
    void kafkaInTrackAndBuild() {
        assertHolds(noClasses().that().resideInAnyPackage("..ingest..", "..fold..", "..store..", "..config..", "..cli..")
                .should().dependOnClassesThat().resideInAnyPackage("org.apache.kafka.."));
    }

    @Test
    @DisplayName("nothing in the product uses the demo, the test kit or the infrastructure they embed (broker, Connect,"
            + " Debezium, embedded PostgreSQL, log4j-core)")
    void noDemoInTheProduct() {
        assertHolds(noClasses().should().dependOnClassesThat().resideInAnyPackage("dev.snapshotsidecar.demo..",
                "dev.snapshotsidecar.testkit..", "dev.snapshotsidecar.testing..", "kafka..", "org.apache.kafka.connect..",
                "org.apache.kafka.server..", "io.debezium..", "io.zonky..", "org.apache.logging.log4j.core.."));
    }

    @Test
    @DisplayName("no JDBC, HTTP or blocking Kafka client on a stream thread: what the processors reach does none")
    void nothingBlockingOnStreamThreads() {
        assertHolds(noClasses().that().implement(org.apache.kafka.streams.processor.api.Processor.class)
                .should().transitivelyDependOnClassesThat().resideInAnyPackage("java.sql..", "javax.sql..",
                        "dev.snapshotsidecar.store..", "com.zaxxer..", "java.net.http..", "com.sun.net.httpserver..",
                        "org.apache.kafka.clients.admin..", "org.apache.kafka.clients.producer..",
                        "org.apache.kafka.clients.consumer.."));
        assertThat(classes.that(com.tngtech.archunit.base.DescribedPredicate.describe("processors",
                c -> c.isAssignableTo(org.apache.kafka.streams.processor.api.Processor.class))))
                .as("the rule sees the tracker's processors").hasSizeGreaterThanOrEqualTo(4);
    }

    @Test
    @DisplayName("the stages meet in the contracts: build does not know the tracker, nor the tracker the builder")
    void stagesMeetInTheContracts() {
        assertHolds(noClasses().that().resideInAPackage("dev.snapshotsidecar.build..")
                .should().dependOnClassesThat().resideInAPackage("dev.snapshotsidecar.track.."));
        assertHolds(noClasses().that().resideInAPackage("dev.snapshotsidecar.track..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.snapshotsidecar.build..",
                        "dev.snapshotsidecar.store..", "dev.snapshotsidecar.fold..", "dev.snapshotsidecar.observe..",
                        "dev.snapshotsidecar.cli.."));
        assertHolds(noClasses().that().resideInAPackage("dev.snapshotsidecar.request..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.snapshotsidecar.track..",
                        "dev.snapshotsidecar.build..", "dev.snapshotsidecar.store..", "dev.snapshotsidecar.fold..",
                        "dev.snapshotsidecar.observe..", "dev.snapshotsidecar.cli..", "dev.snapshotsidecar.ingest.."));
        assertHolds(noClasses().that().resideInAPackage("dev.snapshotsidecar.track.policy..")
                .should().dependOnClassesThat().resideInAPackage("dev.snapshotsidecar.track"));
        assertHolds(noClasses().that().resideOutsideOfPackage("dev.snapshotsidecar.cli..")
                .should().dependOnClassesThat().resideInAPackage("dev.snapshotsidecar.cli.."));
    }

    @Test
    @DisplayName("SQL lives in the dialect packages: store's interfaces do not touch java.sql")
    void sqlInDialects() {
        assertHolds(noClasses().that().resideInAPackage("dev.snapshotsidecar.store")
                .should().dependOnClassesThat().resideInAnyPackage("java.sql.."));
    }

    @Test
    @DisplayName("no cycles between the product's packages")
    void noPackageCycles() {
        // the slices are the packages below dev.snapshotsidecar; the root package holds only SidecarException,
        // which depends on no package of the product (checked below), so it can be in no cycle
        assertHolds(slices().matching("dev.snapshotsidecar.(**)").should().beFreeOfCycles());
        assertHolds(noClasses().that().resideInAPackage("dev.snapshotsidecar")
                .should().dependOnClassesThat().resideInAPackage("dev.snapshotsidecar.*.."));
    }

    @Test
    @DisplayName("store names none of its dialects: each registers a Dialect, found by name")
    void storeNamesNoDialect() {
        assertHolds(noClasses().that().resideInAPackage("dev.snapshotsidecar.store")
                .should().dependOnClassesThat().resideInAPackage("dev.snapshotsidecar.store.*.."));
    }
}
