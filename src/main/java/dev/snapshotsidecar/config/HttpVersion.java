package dev.snapshotsidecar.config;

/** The HTTP version the fold client asks for; HTTP/2 falls back to HTTP/1.1 when the server does not offer it. */
public enum HttpVersion implements ConfigChoice {
    HTTP_1_1("http-1.1"),
    HTTP_2("http-2");

    private final String configName;

    HttpVersion(String configName) {
        this.configName = configName;
    }

    @Override
    public String configName() {
        return configName;
    }
}
