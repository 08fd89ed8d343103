// Renders Velocity templates with the real Apache Velocity 1.7 and velocity-tools 2.0, for the
// differential test of dapa's Velocity engine (tests/it/velocity.rs). Reads one JSON object per
// line, {"template": "...", "context": {...}}, and writes one JSON object per line:
// {"output": "..."} or {"error": "<exception class>"}. Test code: the JSON reader is the least
// the generated cases need.
import java.io.*;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.*;
import org.apache.velocity.VelocityContext;
import org.apache.velocity.app.VelocityEngine;
import org.apache.velocity.tools.generic.EscapeTool;
import org.apache.velocity.tools.generic.MathTool;

public class Harness {
    /** EscapeTool with the helpers Genesys adds to `$esc` (see docs/velocity.md). */
    public static class GenesysEscape extends EscapeTool {
        public String jsonString(Object value) {
            return value == null ? null : org.apache.commons.lang3.StringEscapeUtils.escapeJson(String.valueOf(value));
        }
        public String jsonEncode(Object value) { return jsonString(value); }
    }

    /** `$successTemplateUtils` as Genesys documents it (see docs/velocity.md). */
    public static class SuccessTemplateUtils {
        public String firstFromArray(String array) { return firstFromArray(array, ""); }
        public String firstFromArray(String array, String fallback) {
            try {
                Object parsed = new Reader(array.trim()).document();
                if (parsed instanceof List && !((List<?>) parsed).isEmpty()) {
                    StringBuilder out = new StringBuilder();
                    write(out, ((List<?>) parsed).get(0), false);
                    return out.toString();
                }
            } catch (RuntimeException notJson) {
                // falls through to the fallback, as for an empty array
            }
            return fallback;
        }
    }

    public static void main(String[] args) throws Exception {
        VelocityEngine engine = new VelocityEngine();
        engine.setProperty("runtime.log.logsystem.class", "org.apache.velocity.runtime.log.NullLogChute");
        engine.init();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false, "UTF-8");
        String line;
        while ((line = in.readLine()) != null) {
            if (line.isEmpty()) continue;
            StringBuilder reply = new StringBuilder();
            try {
                @SuppressWarnings("unchecked")
                Map<String, Object> request = (Map<String, Object>) new Reader(line).document();
                VelocityContext context = new VelocityContext();
                context.put("esc", new GenesysEscape());
                context.put("math", new MathTool());
                context.put("successTemplateUtils", new SuccessTemplateUtils());
                @SuppressWarnings("unchecked")
                Map<String, Object> vars = (Map<String, Object>) request.get("context");
                if (vars != null) {
                    for (Map.Entry<String, Object> e : vars.entrySet()) {
                        if (e.getValue() != null) context.put(e.getKey(), e.getValue());
                    }
                }
                StringWriter rendered = new StringWriter();
                engine.evaluate(context, rendered, "case", (String) request.get("template"));
                reply.append("{\"output\":");
                write(reply, rendered.toString(), true);
                reply.append('}');
            } catch (Throwable t) {
                reply.setLength(0);
                reply.append("{\"error\":");
                write(reply, t.getClass().getName(), true);
                reply.append('}');
            }
            out.println(reply);
            out.flush();
        }
    }

    static void write(StringBuilder out, Object value, boolean ascii) {
        if (value == null) { out.append("null"); return; }
        if (value instanceof String) {
            String s = (String) value;
            out.append('"');
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c == '"' || c == '\\') out.append('\\').append(c);
                else if (c < 0x20 || (ascii && c > 0x7e)) out.append(String.format("\\u%04x", (int) c));
                else out.append(c);
            }
            out.append('"');
        } else if (value instanceof List) {
            out.append('[');
            boolean first = true;
            for (Object item : (List<?>) value) { if (!first) out.append(','); first = false; write(out, item, ascii); }
            out.append(']');
        } else if (value instanceof Map) {
            out.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) {
                if (!first) out.append(',');
                first = false;
                write(out, String.valueOf(e.getKey()), ascii);
                out.append(':');
                write(out, e.getValue(), ascii);
            }
            out.append('}');
        } else {
            out.append(value);
        }
    }

    /** Reads JSON: integers become Integer (Long when they do not fit), decimals Double. */
    static class Reader {
        final String s;
        int i;
        Reader(String s) { this.s = s; }
        Object document() {
            Object v = value();
            space();
            if (i != s.length()) throw new IllegalArgumentException("trailing text");
            return v;
        }
        void space() { while (i < s.length() && " \t\r\n".indexOf(s.charAt(i)) >= 0) i++; }
        Object value() {
            space();
            if (i >= s.length()) throw new IllegalArgumentException("end");
            char c = s.charAt(i);
            if (c == '{') {
                i++;
                Map<String, Object> map = new LinkedHashMap<>();
                space();
                if (s.charAt(i) == '}') { i++; return map; }
                while (true) {
                    space();
                    String key = string();
                    space();
                    expect(':');
                    map.put(key, value());
                    space();
                    if (s.charAt(i) == ',') { i++; continue; }
                    expect('}');
                    return map;
                }
            }
            if (c == '[') {
                i++;
                List<Object> list = new ArrayList<>();
                space();
                if (s.charAt(i) == ']') { i++; return list; }
                while (true) {
                    list.add(value());
                    space();
                    if (s.charAt(i) == ',') { i++; continue; }
                    expect(']');
                    return list;
                }
            }
            if (c == '"') return string();
            if (s.startsWith("true", i)) { i += 4; return Boolean.TRUE; }
            if (s.startsWith("false", i)) { i += 5; return Boolean.FALSE; }
            if (s.startsWith("null", i)) { i += 4; return null; }
            int start = i;
            while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) i++;
            String number = s.substring(start, i);
            if (!number.matches("-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?")) {
                throw new IllegalArgumentException("not a JSON number: " + number);
            }
            if (number.contains(".") || number.contains("e") || number.contains("E")) return Double.valueOf(number);
            BigDecimal big = new BigDecimal(number);
            try { return big.intValueExact(); } catch (ArithmeticException e) { return big.longValueExact(); }
        }
        void expect(char c) {
            if (i >= s.length() || s.charAt(i) != c) throw new IllegalArgumentException("expected " + c);
            i++;
        }
        String string() {
            expect('"');
            StringBuilder b = new StringBuilder();
            while (true) {
                char c = s.charAt(i++);
                if (c == '"') return b.toString();
                if (c != '\\') { b.append(c); continue; }
                char e = s.charAt(i++);
                switch (e) {
                    case 'n': b.append('\n'); break;
                    case 't': b.append('\t'); break;
                    case 'r': b.append('\r'); break;
                    case 'b': b.append('\b'); break;
                    case 'f': b.append('\f'); break;
                    case 'u': b.append((char) Integer.parseInt(s.substring(i, i + 4), 16)); i += 4; break;
                    default: b.append(e);
                }
            }
        }
    }
}
