package dev.imageregistry.gateway.services;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

import com.fasterxml.jackson.databind.JsonNode;

/** A query string for a service's JSON API, with EC2's parameter names ({@code ImageId.1=…&Filter.1.Name=…}). */
public final class ServiceQuery {
    private final StringBuilder query = new StringBuilder();

    public static ServiceQuery of() {
        return new ServiceQuery();
    }

    public ServiceQuery add(String name, String value) {
        if (value != null) {
            query.append(query.length() == 0 ? '?' : '&').append(URLEncoder.encode(name, StandardCharsets.UTF_8))
                    .append('=').append(URLEncoder.encode(value, StandardCharsets.UTF_8));
        }
        return this;
    }

    public ServiceQuery add(String name, JsonNode value) {
        return value == null || value.isNull() || value.isMissingNode() ? this : add(name, value.asText());
    }

    /** A list as EC2 numbers it: {@code Name.1}, {@code Name.2} … */
    public ServiceQuery addNumbered(String name, JsonNode values) {
        if (values != null && values.isArray()) {
            int n = 1;
            for (JsonNode value : values) {
                add(name + "." + n++, value.asText());
            }
        }
        return this;
    }

    /** A list as repeated parameters: {@code Name=a&Name=b}. */
    public ServiceQuery addRepeated(String name, JsonNode values) {
        if (values != null && values.isArray()) {
            values.forEach(value -> add(name, value.asText()));
        }
        return this;
    }

    /**
     * A Describe call's usual members as the services take them: the IDs (member {@code idsMember}, one repeated
     * parameter {@code idName} each), the filters, {@code MaxResults} and {@code NextToken}.
     */
    public static ServiceQuery describing(JsonNode input, String idsMember, String idName) {
        return of().addRepeated(idName, input.get(idsMember)).addFilters(input.get("Filters"))
                .add("MaxResults", input.get("MaxResults")).add("NextToken", input.get("NextToken"));
    }

    /** EC2's filters, {@code Filter.N.Name} and {@code Filter.N.Value.M}. */
    public ServiceQuery addFilters(JsonNode filters) {
        if (filters != null && filters.isArray()) {
            int n = 1;
            for (JsonNode filter : filters) {
                add("Filter." + n + ".Name", filter.path("Name").asText(null));
                addNumbered("Filter." + n + ".Value", filter.path("Values"));
                n++;
            }
        }
        return this;
    }

    @Override
    public String toString() {
        return query.toString();
    }
}
