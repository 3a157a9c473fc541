package dev.snapshotsidecar.observe;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Decodes one segment of a raw URI path, as RFC 3986 defines it: each {@code %XX} becomes the byte XX, the bytes are
 * read as UTF-8, everything else stays as it is. A {@code +} stays a {@code +} (it means a space only in HTML form
 * data, which a path is not), so {@code /streams/patient-a+b} names {@code patient-a+b}, {@code /streams/patient-50%25}
 * names {@code patient-50%} and {@code /streams/patient%20c} names {@code patient c}; {@link #encode} writes the
 * inverse. Stateless.
 */
final class PathSegment {
    private PathSegment() {
    }

    /**
     * @throws IllegalArgumentException when a {@code %} is not followed by two hex digits, or the escaped bytes are
     *                                  not UTF-8
     */
    static String decode(String raw) {
        StringBuilder decoded = new StringBuilder(raw.length());
        int i = 0;
        while (i < raw.length()) {
            if (raw.charAt(i) != '%') {
                decoded.append(raw.charAt(i++));
                continue;
            }
            // a run of escapes is one UTF-8 sequence or more: decode the run as a whole
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            while (i < raw.length() && raw.charAt(i) == '%') {
                int high = i + 2 < raw.length() ? Character.digit(raw.charAt(i + 1), 16) : -1;
                int low = i + 2 < raw.length() ? Character.digit(raw.charAt(i + 2), 16) : -1;
                if (high < 0 || low < 0) {
                    throw new IllegalArgumentException("'%' at position " + i + " is not followed by two hex digits;"
                            + " write a literal % as %25");
                }
                bytes.write(high * 16 + low);
                i += 3;
            }
            try {
                decoded.append(StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes.toByteArray())));
            } catch (CharacterCodingException e) {
                throw new IllegalArgumentException("the percent-escapes are not UTF-8");
            }
        }
        return decoded.toString();
    }

    /** One path segment that {@link #decode} reads back as {@code value}: unreserved characters as they are. */
    static String encode(String value) {
        StringBuilder encoded = new StringBuilder(value.length());
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-._~".indexOf(c) >= 0) {
                encoded.append(c);
            } else {
                encoded.append('%').append(Character.toUpperCase(Character.forDigit((b >> 4) & 0xf, 16)))
                        .append(Character.toUpperCase(Character.forDigit(b & 0xf, 16)));
            }
        }
        return encoded.toString();
    }
}
