package dev.snapshotsidecar.config;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What logs and error messages may show of a configured value. Stateless.
 *
 * <p>A name is <em>sensitive</em> when one of its words (split at {@code .}, {@code -}, {@code _} and camelCase)
 * contains {@code password}, {@code passwd}, {@code passphrase}, {@code secret} or {@code jaas}, or is {@code pwd},
 * {@code token(s)}, {@code credential(s)}, {@code key} or {@code userinfo}, or the name contains {@code user.info}.
 * That covers {@code ssl.key.password}, {@code ssl.keystore.key} (a private key),
 * {@code sasl.jaas.config}, {@code sasl.oauthbearer.client.credentials.client.secret},
 * {@code sasl.oauthbearer.assertion.private.key.passphrase}, {@code basic.auth.user.info}, and JDBC parameters such as
 * {@code password}, {@code sslpassword}, {@code trustStorePassword}, {@code accessToken} and {@code clientKey}. It
 * masks a few harmless values too ({@code key.serializer}, {@code sasl.oauthbearer.token.endpoint.url}): erring that
 * way costs a line of context, the other way a credential. Certificates and store locations
 * ({@code ssl.truststore.certificates}, {@code ssl.keystore.certificate.chain}, {@code ssl.keystore.location}) are
 * public or paths, and stay visible.
 */
final class Masking {
    /** What a masked value is shown as. */
    static final String MASK = "****";

    private static final List<String> SECRET_PARTS = List.of("password", "passwd", "passphrase", "secret", "jaas");
    private static final Set<String> SECRET_WORDS = Set.of("pwd", "token", "tokens", "credential", "credentials",
            "key", "userinfo");

    private Masking() {
    }

    /** Whether a property or parameter name says its value is a secret (see the class comment). */
    static boolean sensitiveName(String name) {
        if (name.toLowerCase(Locale.ROOT).contains("user.info")) {
            return true;
        }
        return Arrays.stream(name.split("(?<=[a-z0-9])(?=[A-Z])|[._\\-\\s]+"))
                .map(word -> word.toLowerCase(Locale.ROOT))
                .anyMatch(word -> SECRET_WORDS.contains(word) || SECRET_PARTS.stream().anyMatch(word::contains));
    }

    /**
     * The JDBC URL with the password of its user info ({@code //user:password@host}) and the value of every
     * parameter with a sensitive name masked: {@code ?password=…&…} (PostgreSQL and most drivers) or
     * {@code ;password=…;…} (SQL Server, whose values may be enclosed in braces, {@code }} } escaping a brace).
     * Everything else is kept, so the log still tells which server and database the sidecar uses.
     */
    static String jdbcUrl(String url) {
        StringBuilder out = new StringBuilder(url.length());
        int authority = url.indexOf("//");
        int end = authority < 0 ? 0 : authorityEnd(url, authority + 2);
        if (authority >= 0) {
            String userInfoAndHost = url.substring(authority + 2, end);
            int at = userInfoAndHost.lastIndexOf('@');
            int colon = at < 0 ? -1 : userInfoAndHost.indexOf(':');
            out.append(url, 0, authority + 2);
            if (colon >= 0 && colon < at) {
                out.append(userInfoAndHost, 0, colon + 1).append(MASK).append(userInfoAndHost.substring(at));
            } else {
                out.append(userInfoAndHost);
            }
        }
        boolean semicolons = url.regionMatches(true, 0, "jdbc:sqlserver:", 0, 15) || url.indexOf('?', end) < 0;
        appendParameters(out, url, end, semicolons);
        return out.toString();
    }

    /** Where the authority ends: at the first {@code ?}, {@code ;} or {@code #} after it, as userinfo may hold a {@code /}. */
    private static int authorityEnd(String url, int from) {
        for (int i = from; i < url.length(); i++) {
            char c = url.charAt(i);
            if (c == '?' || c == ';' || c == '#') {
                return i;
            }
        }
        return url.length();
    }

    /** Copies {@code url} from {@code from} on, masking the value of each {@code name=value} with a sensitive name. */
    private static void appendParameters(StringBuilder out, String url, int from, boolean semicolons) {
        String separators = semicolons ? ";" : "?&";
        int i = from;
        while (i < url.length()) {
            char c = url.charAt(i);
            out.append(c);
            i++;
            if (separators.indexOf(c) < 0) {
                continue;
            }
            int equals = url.indexOf('=', i);
            int next = nextSeparator(url, i, separators);
            if (equals < 0 || equals > next) {
                continue;
            }
            String name = url.substring(i, equals).trim();
            int valueEnd = semicolons && equals + 1 < url.length() && url.charAt(equals + 1) == '{'
                    ? bracedEnd(url, equals + 1) : nextSeparator(url, equals + 1, separators);
            out.append(url, i, equals + 1);
            out.append(sensitiveName(name) ? MASK : url.substring(equals + 1, valueEnd));
            i = valueEnd;
        }
    }

    private static int nextSeparator(String url, int from, String separators) {
        for (int i = from; i < url.length(); i++) {
            if (separators.indexOf(url.charAt(i)) >= 0) {
                return i;
            }
        }
        return url.length();
    }

    /** The index after the closing brace of a braced value starting at {@code open}; {@code }} } is an escaped brace. */
    private static int bracedEnd(String url, int open) {
        int i = open + 1;
        while (i < url.length()) {
            if (url.charAt(i) == '}') {
                if (i + 1 < url.length() && url.charAt(i + 1) == '}') {
                    i += 2;
                    continue;
                }
                return i + 1;
            }
            i++;
        }
        return url.length();
    }
}
