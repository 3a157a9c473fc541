package dev.snapshotsidecar.pipeline;

import java.util.Map;

/** The topic and timing overrides that give each test sidecar its own topics. */
public final class PipelineTopics {
    private PipelineTopics() {
    }

    public static Map<String, String> of(String applicationId) {
        return PipelineIT.topics(applicationId);
    }
}
