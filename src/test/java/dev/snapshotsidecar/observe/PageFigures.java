package dev.snapshotsidecar.observe;

import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The figures of the status page that name a series of {@code /metrics}: read from its HTML (as served, or as a
 * browser's DOM serialises it), each with the series, the raw value and the text a person sees.
 */
final class PageFigures {
    private static final Pattern FIGURE = Pattern.compile("<(td|span|b)\\b([^>]*\\bdata-metric=\"[^\"]*\"[^>]*)>"
            + "([^<]*)</\\1>");
    private static final Pattern ATTRIBUTE = Pattern.compile("([a-z-]+)=\"([^\"]*)\"");
    private static final Pattern SERIES = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})?");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    private PageFigures() {
    }

    /** One figure: the series it names, its raw value, the text shown, and how the text is written. */
    record Figure(String name, Map<String, String> labels, double value, String text, String format) {
        String series() {
            return labels.isEmpty() ? name : name + labels;
        }
    }

    static List<Figure> parse(String html) {
        List<Figure> figures = new ArrayList<>();
        Matcher m = FIGURE.matcher(html);
        while (m.find()) {
            Map<String, String> attributes = new LinkedHashMap<>();
            Matcher a = ATTRIBUTE.matcher(m.group(2));
            while (a.find()) {
                attributes.put(a.group(1), unescape(a.group(2)));
            }
            Matcher series = SERIES.matcher(attributes.get("data-metric"));
            if (!series.matches()) {
                throw new AssertionError("not a series: " + attributes.get("data-metric"));
            }
            figures.add(new Figure(series.group(1), labels(series.group(2)),
                    Double.parseDouble(attributes.get("data-value")), unescape(m.group(3)).trim(),
                    attributes.getOrDefault("data-format", "")));
        }
        return figures;
    }

    static Map<String, String> labels(String text) {
        Map<String, String> labels = new LinkedHashMap<>();
        if (text != null) {
            Matcher l = LABEL.matcher(text);
            while (l.find()) {
                labels.put(l.group(1), l.group(2).replace("\\\"", "\"").replace("\\\\", "\\"));
            }
        }
        return labels;
    }

    /**
     * The value a person reads in the figure's text: a count ("1,234"), seconds ("12.5 s"), a duration ("3m 20s"),
     * or, for a time of day ("12:00:03 UTC"), the seconds since midnight.
     */
    static double shown(Figure figure) {
        String text = figure.text();
        if (figure.format().equals("time")) {
            return LocalTime.parse(text.replace(" UTC", "")).toSecondOfDay();
        }
        if (text.matches("[0-9,]+")) {
            return Double.parseDouble(text.replace(",", ""));
        }
        if (text.matches("[0-9.]+ s")) {
            return Double.parseDouble(text.replace(" s", ""));
        }
        Matcher d = Pattern.compile("(?:(\\d+)d )?(?:(\\d+)h )?(?:(\\d+)m )?(\\d+)s").matcher(text);
        if (d.matches()) {
            return part(d.group(1)) * 86_400 + part(d.group(2)) * 3600 + part(d.group(3)) * 60 + part(d.group(4));
        }
        throw new AssertionError("a figure whose text is no number: '" + text + "' (" + figure.series() + ")");
    }

    /** What {@link #shown} reads, from the raw value: a time of day is the value's seconds since midnight, UTC. */
    static double expectedShown(Figure figure) {
        if (figure.format().equals("time")) {
            return java.time.Instant.ofEpochMilli((long) (figure.value() * 1000)).atZone(ZoneOffset.UTC).toLocalTime()
                    .toSecondOfDay();
        }
        return figure.text().matches("[0-9.]+ s") ? Math.round(figure.value() * 10) / 10.0 : figure.value();
    }

    private static long part(String group) {
        return group == null ? 0 : Long.parseLong(group);
    }

    static String unescape(String s) {
        return s.replace("&quot;", "\"").replace("&#39;", "'").replace("&lt;", "<").replace("&gt;", ">")
                .replace("&amp;", "&");
    }
}
