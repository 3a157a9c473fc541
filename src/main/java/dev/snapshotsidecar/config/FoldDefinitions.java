package dev.snapshotsidecar.config;

import com.dashjoin.jsonata.JException;
import com.dashjoin.jsonata.Jsonata;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.snapshotsidecar.config.SidecarConfig.FoldDefinition;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads each aggregate type's fold: exactly one of {@code aggregator}, {@code fold.http.*} and {@code fold.jsonata.*},
 * each checked as far as it can be without calling anything (a JSONata expression is compiled here, once). Problems
 * are added to the loader's list like every other key's. Stateless.
 */
final class FoldDefinitions {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String HTTP = "fold.http.";
    private static final String JSONATA = "fold.jsonata.";
    private static final String EVENTS = JSONATA + "events.";

    private FoldDefinitions() {
    }

    static FoldDefinition parse(String type, ConfigLoader.Values values, Set<String> knownAggregators) {
        String prefix = ConfigDefinitions.TYPE_PREFIX + type + ".";
        boolean java = values.isSet(prefix + "aggregator");
        boolean http = !values.withPrefix(prefix + HTTP).isEmpty();
        boolean jsonata = !values.withPrefix(prefix + JSONATA).isEmpty();
        int kinds = (java ? 1 : 0) + (http ? 1 : 0) + (jsonata ? 1 : 0);
        if (kinds != 1) {
            List<String> found = new ArrayList<>();
            if (java) {
                found.add("aggregator");
            }
            if (http) {
                found.add("fold.http.*");
            }
            if (jsonata) {
                found.add("fold.jsonata.*");
            }
            values.problem(prefix + "aggregator", "", "set exactly one of aggregator, fold.http.url and "
                    + "fold.jsonata.events.* for aggregate type " + type
                    + (found.isEmpty() ? " (none is set)" : " (found " + String.join(" and ", found) + ")"));
            return new FoldDefinition.Java("");
        }
        if (http) {
            return http(prefix, values);
        }
        if (jsonata) {
            return jsonata(prefix, values);
        }
        String aggregator = values.string(prefix + "aggregator");
        if (!aggregator.isEmpty() && !knownAggregators.contains(aggregator)) {
            values.problem(prefix + "aggregator", aggregator,
                    "must name a known aggregator: " + String.join(", ", knownAggregators));
        }
        return new FoldDefinition.Java(aggregator);
    }

    private static FoldDefinition.Http http(String prefix, ConfigLoader.Values values) {
        String urlKey = prefix + HTTP + "url";
        URI url = url(urlKey, values);
        Optional<String> token = values.optional(prefix + HTTP + "bearer-token");
        Optional<Path> tokenFile = values.path(prefix + HTTP + "bearer-token-file");
        if (token.isPresent() && tokenFile.isPresent()) {
            values.problem(prefix + HTTP + "bearer-token-file", tokenFile.get().toString(),
                    "set bearer-token or bearer-token-file, not both");
        }
        tokenFile.filter(f -> !Files.isReadable(f)).ifPresent(f -> values.problem(prefix + HTTP + "bearer-token-file",
                f.toString(), "must be a readable file"));
        boolean https = "https".equals(url.getScheme());
        if ((token.isPresent() || tokenFile.isPresent()) && !https && !loopback(url)) {
            values.problem(urlKey, url.toString(), "must be https:// when a bearer token is set: plain http:// to a "
                    + "host other than the loopback would send the token in clear");
        }
        Optional<SidecarConfig.HttpTls> tls = tls(prefix + HTTP + "tls.", values);
        if (tls.isPresent() && !https) {
            values.problem(urlKey, url.toString(), "must be https:// when fold.http.tls.* is set");
        }
        SidecarConfig.HttpAuth auth = new SidecarConfig.HttpAuth(token, tokenFile, tls);
        return new FoldDefinition.Http(url,
                new SidecarConfig.HttpTimeouts(values.duration(prefix + HTTP + "connect-timeout"),
                        values.duration(prefix + HTTP + "call-timeout")),
                new SidecarConfig.HttpChunks(values.integer(prefix + HTTP + "chunk-events"),
                        values.longValue(prefix + HTTP + "chunk-bytes")),
                new SidecarConfig.HttpLimits(values.integer(prefix + HTTP + "max-concurrency"),
                        values.integer(prefix + HTTP + "circuit-failures"),
                        values.duration(prefix + HTTP + "circuit-open-for")),
                new SidecarConfig.HttpRetry(values.duration(prefix + HTTP + "retry-initial-backoff"),
                        values.duration(prefix + HTTP + "retry-give-up-after")),
                values.duration(prefix + HTTP + "describe-interval"), auth,
                values.choice(prefix + HTTP + "version", HttpVersion.class));
    }

    private static URI url(String key, ConfigLoader.Values values) {
        String text = values.optional(key).orElse("");
        if (text.isEmpty()) {
            values.problem(key, "", "is required for a fold over HTTP: the base URL of the service's fold");
            return URI.create("http://localhost/");
        }
        try {
            URI url = new URI(text);
            boolean ok = url.isAbsolute() && ("http".equals(url.getScheme()) || "https".equals(url.getScheme()))
                    && url.getHost() != null && url.getRawUserInfo() == null && url.getRawQuery() == null
                    && url.getRawFragment() == null;
            if (ok) {
                // the sidecar appends /fold and /describe
                return text.endsWith("/") ? URI.create(text.substring(0, text.length() - 1)) : url;
            }
        } catch (URISyntaxException e) {
            // reported below
        }
        values.problem(key, text, ConfigDefinitions.typeKey("fold.http.url").orElseThrow().rule());
        return URI.create("http://localhost/");
    }

    private static boolean loopback(URI url) {
        String host = url.getHost();
        if ("localhost".equalsIgnoreCase(host)) {
            return true;
        }
        try {
            // a literal address only: no name is resolved at start-up
            return host.matches("[0-9.]+|\\[[0-9a-fA-F:.]+\\]") && InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private static Optional<SidecarConfig.HttpTls> tls(String prefix, ConfigLoader.Values values) {
        Optional<Path> keyStore = values.path(prefix + "key-store");
        Optional<Path> trustStore = values.path(prefix + "trust-store");
        keyStore.filter(f -> !Files.isReadable(f)).ifPresent(f -> values.problem(prefix + "key-store", f.toString(),
                "must be a readable PKCS#12 file"));
        trustStore.filter(f -> !Files.isReadable(f)).ifPresent(f -> values.problem(prefix + "trust-store",
                f.toString(), "must be a readable PKCS#12 file"));
        Optional<String> keyPassword = values.optional(prefix + "key-store-password");
        Optional<String> trustPassword = values.optional(prefix + "trust-store-password");
        if (keyStore.isEmpty() && trustStore.isEmpty()) {
            if (keyPassword.isPresent() || trustPassword.isPresent()) {
                values.problem(prefix + "key-store", "", "a TLS password is set without its store");
            }
            return Optional.empty();
        }
        return Optional.of(new SidecarConfig.HttpTls(keyStore, keyPassword, trustStore, trustPassword));
    }

    private static FoldDefinition.Jsonata jsonata(String prefix, ConfigLoader.Values values) {
        Map<String, SidecarConfig.JsonataExpression> expressions = new LinkedHashMap<>();
        values.withPrefix(prefix + EVENTS).forEach((eventType, text) -> {
            String key = prefix + EVENTS + eventType;
            if (text.isBlank()) {
                values.problem(key, "", "must be a JSONata expression, not empty");
                return;
            }
            try {
                expressions.put(eventType, new SidecarConfig.JsonataExpression(text, Jsonata.jsonata(text)));
            } catch (JException e) {
                values.problem(key, abbreviate(text), "must be a JSONata expression: " + e.getMessage()
                        + (e.getLocation() >= 0 ? " at character " + e.getLocation() : ""));
            }
        });
        if (expressions.isEmpty() && values.withPrefix(prefix + EVENTS).isEmpty()) {
            values.problem(prefix + EVENTS + "<event-type>", "",
                    "a JSONata fold needs at least one expression, one per event type");
        }
        String initialKey = prefix + JSONATA + "initial-state";
        String initial = values.optional(initialKey).orElse("{}");
        try {
            JSON.readTree(initial);
        } catch (IOException e) {
            values.problem(initialKey, abbreviate(initial), ConfigDefinitions.typeKey("fold.jsonata.initial-state")
                    .orElseThrow().rule());
            initial = "{}";
        }
        return new FoldDefinition.Jsonata(values.integer(prefix + JSONATA + "schema-version"), initial, expressions,
                values.choice(prefix + JSONATA + "unknown-events", UnknownEvents.class));
    }

    /** Types with one URL share an endpoint: its settings must be the same for all of them. */
    static void checkSharedEndpoints(List<SidecarConfig.AggregateType> types, ConfigLoader.Values values) {
        Map<URI, SidecarConfig.AggregateType> first = new LinkedHashMap<>();
        for (SidecarConfig.AggregateType type : types) {
            if (type.fold() instanceof FoldDefinition.Http http) {
                SidecarConfig.AggregateType other = first.putIfAbsent(http.url(), type);
                if (other != null && !((FoldDefinition.Http) other.fold()).endpoint().equals(http.endpoint())) {
                    values.problem(ConfigDefinitions.TYPE_PREFIX + type.name() + "." + HTTP + "url",
                            http.url().toString(), "shares its endpoint with aggregate type " + other.name()
                                    + ", so its fold.http.* settings other than chunk-events and chunk-bytes must be"
                                    + " the same");
                }
            }
        }
    }

    private static String abbreviate(String text) {
        String line = text.strip().replaceAll("\\s+", " ");
        return line.length() <= 60 ? line : line.substring(0, 57) + "...";
    }

}
