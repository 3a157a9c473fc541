package dev.snapshotsidecar.config;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class MaskingTest {
    @Test
    @DisplayName("a JDBC URL keeps everything but its passwords")
    void jdbcUrls() {
        assertThat(Masking.jdbcUrl("jdbc:postgresql://db:5432/clinical")).isEqualTo("jdbc:postgresql://db:5432/clinical");
        assertThat(Masking.jdbcUrl("jdbc:postgresql://db/clinical?ssl&password=a=b&user=x"))
                .isEqualTo("jdbc:postgresql://db/clinical?ssl&password=****&user=x");
        assertThat(Masking.jdbcUrl("jdbc:postgresql://me:p@ss/word@db:5432/clinical?PASSWORD=x"))
                .isEqualTo("jdbc:postgresql://me:****@db:5432/clinical?PASSWORD=****");
        assertThat(Masking.jdbcUrl("jdbc:postgresql://me@db:5432/clinical")).isEqualTo("jdbc:postgresql://me@db:5432/clinical");
        assertThat(Masking.jdbcUrl("jdbc:sqlserver://mssql\\inst:1433;user=sa;password={a;b}};c};applicationName={x;password=y}"))
                .isEqualTo("jdbc:sqlserver://mssql\\inst:1433;user=sa;password=****;applicationName={x;password=y}");
        assertThat(Masking.jdbcUrl("jdbc:sqlserver://mssql;password=a&b?c;encrypt=true"))
                .isEqualTo("jdbc:sqlserver://mssql;password=****;encrypt=true");
        assertThat(Masking.jdbcUrl("jdbc:h2:mem:x;MODE=MSSQLServer;PASSWORD=y")).isEqualTo("jdbc:h2:mem:x;MODE=MSSQLServer;PASSWORD=****");
        assertThat(Masking.jdbcUrl("jdbc:sqlserver://mssql;password=")).isEqualTo("jdbc:sqlserver://mssql;password=****");
    }

    @Test
    @DisplayName("sensitive names: a word with password, passphrase, secret or jaas, or a word token, credential(s) or key")
    void sensitiveNames() {
        assertThat(Masking.sensitiveName("ssl.key.password")).isTrue();
        assertThat(Masking.sensitiveName("ssl.keystore.key")).isTrue();
        assertThat(Masking.sensitiveName("sasl.jaas.config")).isTrue();
        assertThat(Masking.sensitiveName("sasl.oauthbearer.client.credentials.client.secret")).isTrue();
        assertThat(Masking.sensitiveName("trustStorePassword")).isTrue();
        assertThat(Masking.sensitiveName("accessToken")).isTrue();
        assertThat(Masking.sensitiveName("sslpassword")).isTrue();
        assertThat(Masking.sensitiveName("ssl.truststore.certificates")).isFalse();
        assertThat(Masking.sensitiveName("ssl.keystore.certificate.chain")).isFalse();
        assertThat(Masking.sensitiveName("ssl.keystore.location")).isFalse();
        assertThat(Masking.sensitiveName("ssl.keymanager.algorithm")).isFalse();
        assertThat(Masking.sensitiveName("ssl.secure.random.implementation")).isFalse();
        assertThat(Masking.sensitiveName("integratedSecurity")).isFalse();
        assertThat(Masking.sensitiveName("security.protocol")).isFalse();
        assertThat(Masking.sensitiveName("databaseName")).isFalse();
    }
}
