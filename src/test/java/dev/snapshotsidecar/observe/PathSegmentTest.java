package dev.snapshotsidecar.observe;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PathSegmentTest {
    @Test
    @DisplayName("percent-escapes are decoded exactly once and a plus stays a plus")
    void decodesOnce() {
        assertThat(PathSegment.decode("patient-a+b")).isEqualTo("patient-a+b");
        assertThat(PathSegment.decode("patient-50%25")).isEqualTo("patient-50%");
        assertThat(PathSegment.decode("patient-50%2525")).isEqualTo("patient-50%25");
        assertThat(PathSegment.decode("patient-c%20d")).isEqualTo("patient-c d");
        assertThat(PathSegment.decode("a%2Fb")).isEqualTo("a/b");
        assertThat(PathSegment.decode("patient-1")).isEqualTo("patient-1");
    }

    @Test
    @DisplayName("multi-byte UTF-8 escapes and characters sent unescaped both decode")
    void utf8() {
        assertThat(PathSegment.decode("patient-%C3%A9l%C3%A8ve")).isEqualTo("patient-élève");
        assertThat(PathSegment.decode("patient-élève")).isEqualTo("patient-élève");
        assertThat(PathSegment.decode("%F0%9F%98%80+x")).isEqualTo("\uD83D\uDE00+x");
    }

    @Test
    @DisplayName("a stray percent or escapes that are not UTF-8 are refused")
    void malformed() {
        assertThatThrownBy(() -> PathSegment.decode("patient-50%")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("%25");
        assertThatThrownBy(() -> PathSegment.decode("patient-%zz")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PathSegment.decode("patient-%2")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PathSegment.decode("patient-%C3")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("UTF-8");
    }
}
