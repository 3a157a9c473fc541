package dev.snapshotsidecar.observe;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * What a PromQL expression asks of the metrics: the series selectors (metric name and label matchers) and the labels
 * it groups or matches by ({@code by}, {@code without}, {@code on}, {@code ignoring}, {@code group_left/right}). A
 * tokenizer, not a full parser: enough for the expressions of alert rules and dashboard panels, whose functions and
 * aggregations it tells from metric names. And a Prometheus text exposition, read as the series it holds.
 */
final class PromQl {
    private static final Set<String> AGGREGATIONS = Set.of("sum", "min", "max", "avg", "group", "stddev", "stdvar",
            "count", "count_values", "bottomk", "topk", "quantile", "limitk", "limit_ratio");
    private static final Set<String> KEYWORDS = Set.of("by", "without", "on", "ignoring", "group_left",
            "group_right", "bool", "offset", "and", "or", "unless", "atan2", "inf", "nan");
    private static final Set<String> LABEL_LISTS = Set.of("by", "without", "on", "ignoring", "group_left",
            "group_right");

    private PromQl() {
    }

    /** A matcher of a selector: {@code label op "value"}, op one of {@code = != =~ !~}. */
    record Matcher(String label, String op, String value) {
        boolean accepts(String actual) {
            return switch (op) {
                case "=" -> actual.equals(value);
                case "!=" -> !actual.equals(value);
                case "=~" -> Pattern.compile(value).matcher(actual).matches();
                case "!~" -> !Pattern.compile(value).matcher(actual).matches();
                default -> throw new IllegalStateException(op);
            };
        }
    }

    /** One series selector: {@code name{matchers}}. */
    record Selector(String metric, List<Matcher> matchers) {
    }

    /** What one expression references. */
    record References(List<Selector> selectors, Set<String> groupingLabels) {
    }

    static References references(String expression) {
        List<String> tokens = tokens(expression);
        List<Selector> selectors = new ArrayList<>();
        Set<String> grouping = new LinkedHashSet<>();
        for (int i = 0; i < tokens.size(); i++) {
            String token = tokens.get(i);
            if (token.equals("[")) {
                while (!tokens.get(i).equals("]")) {
                    i++; // a range or subquery: durations only
                }
                continue;
            }
            if (!isIdentifier(token)) {
                continue;
            }
            String next = i + 1 < tokens.size() ? tokens.get(i + 1) : "";
            String lower = token.toLowerCase(java.util.Locale.ROOT);
            if (LABEL_LISTS.contains(lower) && next.equals("(")) {
                i += 2;
                while (!tokens.get(i).equals(")")) {
                    if (isIdentifier(tokens.get(i))) {
                        grouping.add(tokens.get(i));
                    }
                    i++;
                }
                continue;
            }
            if (lower.equals("offset")) {
                i++;
                continue;
            }
            if (KEYWORDS.contains(lower) || AGGREGATIONS.contains(lower) || next.equals("(")) {
                continue; // a keyword, an aggregation or a function
            }
            List<Matcher> matchers = new ArrayList<>();
            if (next.equals("{")) {
                i += 2;
                while (!tokens.get(i).equals("}")) {
                    if (tokens.get(i).equals(",")) {
                        i++;
                        continue;
                    }
                    matchers.add(new Matcher(tokens.get(i), tokens.get(i + 1), unquote(tokens.get(i + 2))));
                    i += 3;
                }
            }
            selectors.add(new Selector(token, matchers));
        }
        return new References(selectors, grouping);
    }

    private static boolean isIdentifier(String token) {
        return Character.isLetter(token.charAt(0)) || token.charAt(0) == '_' || token.charAt(0) == ':';
    }

    private static String unquote(String quoted) {
        String body = quoted.substring(1, quoted.length() - 1);
        return quoted.charAt(0) == '`' ? body : body.replace("\\\\", "\u0000").replace("\\\"", "\"")
                .replace("\\'", "'").replace("\u0000", "\\");
    }

    static List<String> tokens(String expression) {
        List<String> tokens = new ArrayList<>();
        int i = 0;
        while (i < expression.length()) {
            char c = expression.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (c == '"' || c == '\'' || c == '`') {
                int end = i + 1;
                while (expression.charAt(end) != c) {
                    end += expression.charAt(end) == '\\' && c != '`' ? 2 : 1;
                }
                tokens.add(expression.substring(i, end + 1));
                i = end + 1;
            } else if (Character.isLetter(c) || c == '_' || c == ':') {
                int end = i;
                while (end < expression.length() && (Character.isLetterOrDigit(expression.charAt(end))
                        || expression.charAt(end) == '_' || expression.charAt(end) == ':')) {
                    end++;
                }
                tokens.add(expression.substring(i, end));
                i = end;
            } else if (Character.isDigit(c) || c == '.') {
                int end = i;
                while (end < expression.length() && (Character.isLetterOrDigit(expression.charAt(end))
                        || expression.charAt(end) == '.')) {
                    end++; // numbers and durations (5m, 1e3)
                }
                tokens.add(expression.substring(i, end));
                i = end;
            } else if (i + 1 < expression.length() && Set.of("=~", "!~", "!=", "==", ">=", "<=")
                    .contains(expression.substring(i, i + 2))) {
                tokens.add(expression.substring(i, i + 2));
                i += 2;
            } else {
                tokens.add(String.valueOf(c));
                i++;
            }
        }
        return tokens;
    }

    /** The series of a Prometheus text exposition: metric name to the label sets it has, and their values. */
    record Scrape(Map<String, List<Map<String, String>>> series, Map<String, Double> values) {
        Set<String> labelNames(String metric) {
            Set<String> names = new TreeSet<>();
            series.getOrDefault(metric, List.of()).forEach(labels -> names.addAll(labels.keySet()));
            return names;
        }

        Set<String> labelValues(String metric, String label) {
            Set<String> values = new TreeSet<>();
            series.getOrDefault(metric, List.of()).forEach(labels -> {
                if (labels.containsKey(label)) {
                    values.add(labels.get(label));
                }
            });
            return values;
        }

        /** The value of the series with exactly these labels, or null. */
        Double value(String metric, Map<String, String> labels) {
            return values.get(metric + new TreeMap<>(labels));
        }
    }

    static Scrape scrape(String exposition) {
        Map<String, List<Map<String, String>>> series = new TreeMap<>();
        Map<String, Double> values = new java.util.HashMap<>();
        for (String line : exposition.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int brace = line.indexOf('{');
            int space = line.lastIndexOf(' ');
            String name = brace >= 0 && brace < space ? line.substring(0, brace) : line.substring(0, space);
            Map<String, String> labels = new TreeMap<>(brace >= 0 && brace < space
                    ? PageFigures.labels(line.substring(brace + 1, line.lastIndexOf('}'))) : Map.of());
            series.computeIfAbsent(name, n -> new ArrayList<>()).add(labels);
            values.put(name + labels, Double.parseDouble(line.substring(space + 1)));
        }
        return new Scrape(series, values);
    }
}
