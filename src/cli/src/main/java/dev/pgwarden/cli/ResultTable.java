package dev.pgwarden.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Rows as psql's aligned format shows them: headers centred, numbers right-aligned, text
 * left-aligned, NULL empty. The recording keeps values as text without their types, so a column
 * counts as numeric when every value in it reads as a number. Trailing blanks are dropped.
 */
final class ResultTable {
    private static final Pattern NUMBER = Pattern.compile("-?\\d+(\\.\\d+)?([eE][-+]?\\d+)?");

    private ResultTable() {}

    /** @param rows values as text; a null is SQL NULL */
    static List<String> render(List<String> columns, List<List<String>> rows) {
        int n = columns.size();
        int[] width = new int[n];
        boolean[] numeric = new boolean[n];
        for (int c = 0; c < n; c++) {
            width[c] = columns.get(c).length();
            boolean anyValue = false;
            boolean allNumbers = true;
            for (List<String> row : rows) {
                String v = cell(row, c);
                width[c] = Math.max(width[c], v.length());
                if (c < row.size() && row.get(c) != null) {
                    anyValue = true;
                    allNumbers &= NUMBER.matcher(v).matches();
                }
            }
            numeric[c] = anyValue && allNumbers;
        }
        List<String> lines = new ArrayList<>(rows.size() + 2);
        StringBuilder header = new StringBuilder();
        StringBuilder rule = new StringBuilder();
        for (int c = 0; c < n; c++) {
            String name = columns.get(c);
            int left = (width[c] - name.length()) / 2;
            header.append(c == 0 ? " " : " | ")
                    .append(" ".repeat(left))
                    .append(name)
                    .append(" ".repeat(width[c] - name.length() - left));
            rule.append(c == 0 ? "" : "+").append("-".repeat(width[c] + 2));
        }
        lines.add(header.toString().stripTrailing());
        lines.add(rule.toString());
        for (List<String> row : rows) {
            StringBuilder line = new StringBuilder();
            for (int c = 0; c < n; c++) {
                String v = cell(row, c);
                String pad = " ".repeat(width[c] - v.length());
                line.append(c == 0 ? " " : " | ").append(numeric[c] ? pad + v : v + pad);
            }
            lines.add(line.toString().stripTrailing());
        }
        return lines;
    }

    /** One line per value: a newline inside a value would break the grid, so it is shown escaped. */
    private static String cell(List<String> row, int c) {
        String v = c < row.size() ? row.get(c) : null;
        return v == null ? "" : v.replace("\r", "\\r").replace("\n", "\\n");
    }
}
