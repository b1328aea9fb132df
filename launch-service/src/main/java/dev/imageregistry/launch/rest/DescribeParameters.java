package dev.imageregistry.launch.rest;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.ws.rs.core.MultivaluedMap;

import dev.imageregistry.platform.errors.Ec2Exception;

/**
 * The query parameters every Describe call takes, in EC2's flattened form: the IDs ({@code <Name>} or
 * {@code <Name>.N}), {@code Filter.N.Name} / {@code Filter.N.Value.M}, MaxResults and NextToken. One copy of the wire
 * rules for DescribeInstances and DescribeVolumes: an unknown parameter is refused, a filter's values need its name.
 */
record DescribeParameters(List<String> ids, List<NamedFilter> filters, Integer maxResults, String nextToken) {
    private static final Pattern FILTER = Pattern.compile("Filter\\.(\\d{1,3})\\.(Name|Value\\.(\\d{1,4}))");

    /** A filter as given: its name and the values any of which matches. */
    record NamedFilter(String name, List<String> values) {
    }

    /** @param idName the IDs' parameter, {@code InstanceId} or {@code VolumeId} */
    static DescribeParameters of(MultivaluedMap<String, String> params, String idName) {
        Pattern idParam = Pattern.compile(Pattern.quote(idName) + "(\\.\\d{1,4})?");
        List<String> ids = new ArrayList<>();
        Map<Integer, String> names = new TreeMap<>();
        Map<Integer, List<String>> values = new TreeMap<>();
        for (Map.Entry<String, List<String>> param : params.entrySet()) {
            String key = param.getKey();
            Matcher filter = FILTER.matcher(key);
            if (idParam.matcher(key).matches()) {
                ids.addAll(param.getValue());
            } else if (filter.matches()) {
                int index = Integer.parseInt(filter.group(1));
                if (filter.group(3) == null) {
                    names.put(index, param.getValue().get(0));
                } else {
                    values.computeIfAbsent(index, i -> new ArrayList<>()).addAll(param.getValue());
                }
            } else if (!key.equals("MaxResults") && !key.equals("NextToken")) {
                throw Ec2Exception.badRequest("UnknownParameter", "The parameter " + key + " is not recognized.");
            }
        }
        values.keySet().stream().filter(i -> !names.containsKey(i)).findAny().ifPresent(i -> {
            throw Ec2Exception.missingParameter("Filter." + i + ".Name");
        });
        List<NamedFilter> filters = new ArrayList<>();
        names.forEach((index, name) -> filters.add(new NamedFilter(name, values.get(index))));
        return new DescribeParameters(ids, filters, maxResults(params.getFirst("MaxResults")),
                params.getFirst("NextToken"));
    }

    private static Integer maxResults(String value) {
        if (value == null) {
            return null;
        }
        try {
            return Integer.valueOf(value);
        } catch (NumberFormatException e) {
            throw Ec2Exception.invalidParameter("MaxResults must be an integer.");
        }
    }
}
