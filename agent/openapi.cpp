// The OpenAPI 3 description of the agent's HTTP API, served at
// /v1/openapi.json. A test checks that every route in routes() is here.
#include "api.h"

namespace colo::agent {

const std::string& openApiDocument() {
  static const std::string doc = R"json({
  "openapi": "3.0.3",
  "info": {"title": "colo agent", "version": "1",
           "description": "Colocation provisioning: accept approved requests, reserve rack units, power and addresses, configure switch ports, report completion."},
  "components": {
    "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
      "description": "A token made by `colo token`; roles requester < technician < admin."}},
    "schemas": {
      "Problem": {"type": "object", "description": "RFC 9457 problem details",
        "required": ["type", "title", "status", "detail"],
        "properties": {"type": {"type": "string", "format": "uri", "description": "urn:colo:problem: and one of bad-request, invalid-request, unauthorized, forbidden, not-found, method-not-allowed, conflict, body-too-large, unsupported-media-type, does-not-fit-inventory, header-too-large, internal-error, not-implemented, unavailable"},
          "title": {"type": "string"}, "status": {"type": "integer"}, "detail": {"type": "string"},
          "errors": {"type": "array", "description": "invalid-request and does-not-fit-inventory: every problem of the body at once",
            "items": {"type": "object", "required": ["pointer", "detail"],
              "properties": {"pointer": {"type": "string", "description": "RFC 6901 JSON Pointer to the field (empty: the whole body)"}, "detail": {"type": "string"}}}}}},
      "Request": {"type": "object", "additionalProperties": false,
        "required": ["id", "letter_number", "tenant", "received_at", "servers"],
        "properties": {
          "id": {"type": "string", "pattern": "^[A-Za-z0-9._-]{1,63}$"},
          "letter_number": {"type": "string", "maxLength": 64},
          "tenant": {"type": "object", "additionalProperties": false, "required": ["code", "name"],
            "properties": {"code": {"type": "string", "pattern": "^[A-Za-z0-9._-]{1,63}$"}, "name": {"type": "string", "maxLength": 200}}},
          "received_at": {"type": "string", "format": "date-time"},
          "callback_url": {"type": "string", "format": "uri"},
          "servers": {"type": "array", "minItems": 1, "maxItems": 64, "items": {"type": "object", "additionalProperties": false,
            "required": ["hostname", "units", "power_watts"],
            "properties": {
              "hostname": {"type": "string", "pattern": "^[A-Za-z0-9._-]{1,63}$"},
              "units": {"type": "integer", "minimum": 1, "maximum": 60},
              "power_watts": {"type": "integer", "minimum": 1, "maximum": 100000},
              "redundant_power": {"type": "boolean"},
              "nics": {"type": "array", "maxItems": 8, "items": {"type": "object", "additionalProperties": false,
                "required": ["pools"], "properties": {"pools": {"type": "array", "minItems": 1, "maxItems": 4, "items": {"type": "string"}}}}}}}}}},
      "Accepted": {"type": "object", "properties": {"id": {"type": "string"}, "status": {"type": "string"}, "url": {"type": "string"}}},
      "RequestStatus": {"type": "object", "properties": {
        "id": {"type": "string"}, "letter_number": {"type": "string"}, "tenant": {"type": "string"},
        "status": {"type": "string", "enum": ["queued", "planning", "reserved", "configuring", "completed", "releasing", "released", "failed"]},
        "received_at": {"type": "string"}, "completed_at": {"type": "string"}, "error": {"type": "string"},
        "allocation": {"type": "array", "items": {"type": "object"}},
        "steps": {"type": "array", "items": {"type": "object"}},
        "deliveries": {"type": "array", "description": "the request's callback deliveries (GET /v1/requests/{id} only)",
          "items": {"type": "object", "required": ["delivery_id", "event", "url", "attempts", "state"],
            "properties": {"delivery_id": {"type": "string"}, "event": {"type": "string", "enum": ["completed", "failed", "released"]},
              "url": {"type": "string"}, "attempts": {"type": "integer"}, "state": {"type": "string", "enum": ["pending", "delivered", "given_up"]},
              "delivered_at": {"type": "string", "format": "date-time"}, "next_attempt_at": {"type": "string", "format": "date-time"},
              "last_error": {"type": "string"}}}},
        "sla": {"type": "object", "properties": {"due_date": {"type": "string", "format": "date"}, "deadline": {"type": "string"},
          "met": {"type": "boolean", "nullable": true}, "overdue": {"type": "boolean"}}}}},
      "Rack": {"type": "object", "properties": {"name": {"type": "string"}, "room": {"type": "string"}, "height": {"type": "integer"},
        "units": {"type": "object"}, "feeds": {"type": "array", "items": {"type": "object"}}, "elevation": {"type": "array", "items": {"type": "object"}}}},
      "Pool": {"type": "object", "properties": {"name": {"type": "string"}, "prefix": {"type": "string"}, "vlan": {"type": "integer"},
        "usable": {}, "held": {}, "free": {}, "next_free": {"type": "string", "nullable": true}}}
    },
    "parameters": {
      "limit": {"name": "limit", "in": "query", "description": "items per page (default 100)", "schema": {"type": "integer", "minimum": 1, "maximum": 1000}},
      "cursor": {"name": "cursor", "in": "query", "description": "where to go on from: taken from the previous page's Link header", "schema": {"type": "string"}}
    },
    "headers": {
      "Link": {"description": "the next page, as <URL>; rel=\"next\" (absent on the last page)", "schema": {"type": "string"}},
      "X-Total-Count": {"description": "how many items match, on all pages", "schema": {"type": "integer"}}
    },
    "responses": {
      "RequestPage": {"description": "requests in the order they came in", "headers": {"Link": {"$ref": "#/components/headers/Link"}, "X-Total-Count": {"$ref": "#/components/headers/X-Total-Count"}},
        "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/RequestStatus"}}}}},
      "Problem": {"description": "An error", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
    }
  },
  "paths": {
    "/healthz": {"get": {"summary": "Liveness", "responses": {"200": {"description": "alive"}}}},
    "/readyz": {"get": {"summary": "Readiness: ledger open, workers running", "responses": {"200": {"description": "ready"}, "503": {"description": "not ready"}}}},
    "/metrics": {"get": {"summary": "Prometheus metrics", "responses": {"200": {"description": "text/plain exposition format"}}}},
    "/v1/openapi.json": {"get": {"summary": "This document", "responses": {"200": {"description": "OpenAPI 3"}}}},
    "/v1/requests": {
      "post": {"summary": "Accept an approved request (stored before the answer)", "security": [{"bearer": []}],
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Request"}}}},
        "responses": {"202": {"description": "accepted (or the same body again)", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Accepted"}}}},
          "400": {"$ref": "#/components/responses/Problem"}, "401": {"$ref": "#/components/responses/Problem"}, "403": {"$ref": "#/components/responses/Problem"},
          "409": {"$ref": "#/components/responses/Problem"}, "413": {"$ref": "#/components/responses/Problem"}}},
      "get": {"summary": "List requests (a requester sees its own)", "security": [{"bearer": []}],
        "parameters": [{"$ref": "#/components/parameters/limit"}, {"$ref": "#/components/parameters/cursor"},
          {"name": "status", "in": "query", "schema": {"type": "string", "enum": ["queued", "planning", "reserved", "configuring", "completed", "releasing", "released", "failed"]}},
          {"name": "tenant", "in": "query", "description": "tenant code", "schema": {"type": "string", "pattern": "^[A-Za-z0-9._-]{1,63}$"}},
          {"name": "late", "in": "query", "description": "only requests late now or completed late", "schema": {"type": "boolean"}},
          {"name": "updated_after", "in": "query", "description": "only requests changed after this time (RFC 3339)", "schema": {"type": "string", "format": "date-time"}}],
        "responses": {"200": {"$ref": "#/components/responses/RequestPage"},
          "400": {"$ref": "#/components/responses/Problem"}, "401": {"$ref": "#/components/responses/Problem"}}}},
    "/v1/requests/{id}": {"get": {"summary": "Status, allocations, step log, error, SLA", "security": [{"bearer": []}],
      "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
      "responses": {"200": {"description": "the request", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RequestStatus"}}}},
        "401": {"$ref": "#/components/responses/Problem"}, "404": {"$ref": "#/components/responses/Problem"}}}},
    "/v1/requests/{id}/release": {"post": {"summary": "Deprovision: unconfigure the ports, then free everything (technician, admin)", "security": [{"bearer": []}],
      "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
      "responses": {"202": {"description": "release requested"}, "401": {"$ref": "#/components/responses/Problem"},
        "403": {"$ref": "#/components/responses/Problem"}, "404": {"$ref": "#/components/responses/Problem"}, "409": {"$ref": "#/components/responses/Problem"}}}},
    "/v1/requests/{id}/letter": {"get": {"summary": "The confirmation letter of a completed request (Bahasa Indonesia, one A4 page); its number is issued on first use", "security": [{"bearer": []}],
      "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
      "responses": {"200": {"description": "the letter", "content": {"text/html": {"schema": {"type": "string"}}}},
        "401": {"$ref": "#/components/responses/Problem"}, "404": {"$ref": "#/components/responses/Problem"},
        "409": {"$ref": "#/components/responses/Problem"}}}},
    "/v1/racks": {"get": {"summary": "Racks with utilization", "security": [{"bearer": []}],
      "parameters": [{"$ref": "#/components/parameters/limit"}, {"$ref": "#/components/parameters/cursor"}],
      "responses": {"200": {"description": "racks, in inventory order", "headers": {"Link": {"$ref": "#/components/headers/Link"}, "X-Total-Count": {"$ref": "#/components/headers/X-Total-Count"}},
        "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/Rack"}}}}},
        "400": {"$ref": "#/components/responses/Problem"}, "401": {"$ref": "#/components/responses/Problem"}}}},
    "/v1/racks/{name}": {"get": {"summary": "A rack's elevation, unit by unit", "security": [{"bearer": []}],
      "parameters": [{"name": "name", "in": "path", "required": true, "schema": {"type": "string"}}],
      "responses": {"200": {"description": "the rack", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Rack"}}}},
        "404": {"$ref": "#/components/responses/Problem"}}}},
    "/v1/racks/{name}/elevation.svg": {"get": {"summary": "A rack's elevation as an SVG picture (front view), standalone for embedding", "security": [{"bearer": []}],
      "parameters": [{"name": "name", "in": "path", "required": true, "schema": {"type": "string"}}],
      "responses": {"200": {"description": "the picture", "content": {"image/svg+xml": {"schema": {"type": "string"}}}},
        "401": {"$ref": "#/components/responses/Problem"}, "404": {"$ref": "#/components/responses/Problem"}}}},
    "/v1/pools": {"get": {"summary": "Address pools: used and free", "security": [{"bearer": []}],
      "parameters": [{"$ref": "#/components/parameters/limit"}, {"$ref": "#/components/parameters/cursor"}],
      "responses": {"200": {"description": "pools, in inventory order", "headers": {"Link": {"$ref": "#/components/headers/Link"}, "X-Total-Count": {"$ref": "#/components/headers/X-Total-Count"}},
        "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/Pool"}}}}},
        "400": {"$ref": "#/components/responses/Problem"}, "401": {"$ref": "#/components/responses/Problem"}}}}
  }
})json";
  return doc;
}

}  // namespace colo::agent
