package dev.snapshotsidecar.build;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class UnrecoverableErrorsTest {
    @Test
    @DisplayName("out of memory and internal errors make the worker not alive; one stream's stack overflow, missing class or failed assertion, and exceptions, do not")
    void classification() {
        assertThat(RetryingBuilder.unrecoverable(new OutOfMemoryError("Java heap space"))).isTrue();
        assertThat(RetryingBuilder.unrecoverable(new InternalError("broken"))).isTrue();
        assertThat(RetryingBuilder.unrecoverable(new StackOverflowError())).isFalse();
        assertThat(RetryingBuilder.unrecoverable(new NoClassDefFoundError("plugin/Missing"))).isFalse();
        assertThat(RetryingBuilder.unrecoverable(new AssertionError("fold"))).isFalse();
        assertThat(RetryingBuilder.unrecoverable(new IllegalStateException("bug"))).isFalse();
    }
}
