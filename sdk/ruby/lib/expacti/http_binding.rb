# frozen_string_literal: true

require "uri"

require_relative "command_view"
require_relative "error_body"
require_relative "errors"
require_relative "strict_json"
require_relative "transport"

module Expacti
  # The protocol's HTTP binding (docs/PROTOCOL.md, "HTTP binding"): each call is one
  # request, its answer read strictly.
  #
  # 401/403 raise AuthenticationError; a request that did not get through, or a 502, 503,
  # 504 or `unavailable` answer, raises Retryable; any other refusal ProtocolError with
  # the error body's code. Each call takes at most +limit+ seconds (what its caller has
  # left), and never more than the request's own bound.
  class HttpBinding
    # The request may succeed if sent again: the network failed, or the server could not
    # take it for now. #code is the error body's code ("unavailable"), if there was one.
    class Retryable < StandardError
      attr_reader :code

      def initialize(message, code = nil)
        @code = code
        super(message)
      end
    end

    RETRYABLE_STATUSES = [502, 503, 504].freeze
    # The longest any request but a long-poll may take, connecting included.
    REQUEST_LIMIT_SECONDS = 30
    # How much longer than the long-poll's wait an answer may take before it counts as lost.
    POLL_SLACK_SECONDS = 15

    def initialize(transport)
      @transport = transport
    end

    # POST /api/v1/commands: the CommandView (201 created, 200 resumed).
    def submit(body, limit: REQUEST_LIMIT_SECONDS)
      response = send_request("/api/v1/commands", "the submit", body: body,
                                                                 limit: [limit, REQUEST_LIMIT_SECONDS].min)
      expect(response, [200, 201], "the submit")
      CommandView.parse(StrictJson.parse(response.body, "the command"), body.fetch("request_id"))
    end

    # GET /api/v1/commands/{id}?wait=S: the CommandView once decided, or after +wait+ seconds.
    def poll(command_id, request_id, wait, limit:)
      response = send_request(command_path(command_id), "the long-poll", query: { "wait" => format("%.3f", wait) },
                                                                         limit: [limit, wait + POLL_SLACK_SECONDS].min)
      expect(response, [200], "the long-poll")
      CommandView.parse(StrictJson.parse(response.body, "the command"), request_id)
    end

    # POST /api/v1/commands/{id}/cancel; the answer is not needed (a decided command keeps
    # its decision).
    def cancel(command_id, reason, limit:)
      response = send_request("#{command_path(command_id)}/cancel", "the cancel", body: { "reason" => reason },
                                                                                  limit: [limit, REQUEST_LIMIT_SECONDS].min)
      expect(response, [200], "the cancel")
      nil
    end

    # POST /api/v1/sessions/end (204).
    def end_session(body)
      response = send_request("/api/v1/sessions/end", "the session end", body: body, limit: REQUEST_LIMIT_SECONDS)
      expect(response, [204], "the session end")
      nil
    end

    private

    def command_path(command_id)
      "/api/v1/commands/#{URI.encode_www_form_component(command_id).gsub("+", "%20")}"
    end

    def send_request(path, what, limit:, body: nil, query: nil)
      @transport.call(path, body: body, query: query, limit: limit)
    rescue Transport::NetworkFailure => e
      raise Retryable, "#{what} did not get through: #{e.message}"
    end

    def expect(response, statuses, what)
      return if statuses.include?(response.status)

      error = error_body(response)
      detail = "HTTP #{response.status}#{error ? " (#{error.code}: #{error.message})" : ""}"
      if [401, 403].include?(response.status)
        raise AuthenticationError.new("the server refused the token with #{detail}", response.status)
      end
      if RETRYABLE_STATUSES.include?(response.status) || error&.code == "unavailable"
        raise Retryable.new("the server could not take #{what} for now: #{detail}", error&.code)
      end

      verb = response.status < 400 ? "answered #{what} with an unexpected" : "refused #{what} with"
      raise ProtocolError.new("the server #{verb} #{detail}", code: error&.code, status: response.status)
    end

    def error_body(response)
      return nil if response.status < 400

      ErrorBody.parse(StrictJson.parse(response.body, "the error"))
    rescue ProtocolError
      nil
    end
  end
end
