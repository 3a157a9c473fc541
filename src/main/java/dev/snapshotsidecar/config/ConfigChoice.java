package dev.snapshotsidecar.config;

/**
 * A value of an enumerated setting: implemented by the enums {@link SidecarConfig} holds, so that a key's accepted
 * values, its validation and the configuration reference all come from the enum ({@code ConfigKey.oneOf(Class)}).
 */
public interface ConfigChoice {
    /** The value as the configuration spells it, e.g. {@code exactly_once_v2} or {@code stream-id}. */
    String configName();
}
