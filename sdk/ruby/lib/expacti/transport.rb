# frozen_string_literal: true

require "json"
require "net/http"
require "openssl"
require "timeout"

require_relative "clock"
require_relative "errors"
require_relative "unserializable"
require_relative "version"

module Expacti
  # One HTTP exchange with the server, on a connection of its own (so concurrent runs
  # never share one), with the agent token in the Authorization header only.
  #
  # Each exchange has a total limit on the monotonic clock. Net::HTTP's own timeouts bound
  # each read or write, and restart with every byte: a server or proxy that trickles its
  # answer would otherwise hold a run past its deadline forever.
  class Transport
    include Unserializable

    # The exchange failed on the network: refused, reset, cut, timed out. Worth a retry.
    class NetworkFailure < StandardError; end

    # The status and body of an answer.
    Response = Struct.new(:status, :body)

    # Failures of the network, never of the caller: a caller's Timeout.timeout raises a
    # plain Timeout::Error, which must reach the caller, so only Net's own are listed.
    NETWORK_ERRORS = [
      SystemCallError, IOError, SocketError, OpenSSL::SSL::SSLError, Net::HTTPBadResponse,
      Net::OpenTimeout, Net::ReadTimeout, Net::WriteTimeout
    ].freeze
    # The exchange ran out of its total limit. Not a Timeout::Error, so that it is never
    # taken for the caller's own Timeout.timeout.
    class LimitExceeded < StandardError; end
    MAX_BODY_BYTES = 4 << 20

    def initialize(endpoint, token, connect_timeout:)
      @endpoint = endpoint
      @token = token
      @connect_timeout = connect_timeout
    end

    # POST +body+ (a Hash, sent as JSON) or GET when +body+ is nil; the Response, all of it
    # within +limit+ seconds from now (connecting, sending, and every byte of the answer).
    # NetworkFailure when it did not get through in time; ProtocolError for an oversized
    # answer.
    def call(path, limit:, body: nil, query: nil)
      raise NetworkFailure, "no time left to send it" unless limit.positive?

      uri = @endpoint.uri(path, query)
      request = body.nil? ? Net::HTTP::Get.new(uri) : Net::HTTP::Post.new(uri)
      headers(request)
      request.body = JSON.generate(body) unless body.nil?
      ends_at = MONOTONIC_CLOCK.call + limit
      # Net::HTTP reads the status line and headers without handing anything back, so
      # only a timer can stop a trickle there; the body is also checked on every chunk.
      Timeout.timeout(limit, LimitExceeded) { exchange(uri, request, ends_at) }
    rescue *NETWORK_ERRORS, LimitExceeded => e
      raise NetworkFailure, "#{e.class}: #{e.message}"
    end

    def inspect
      "#<#{self.class} #{@endpoint}>"
    end

    private

    def headers(request)
      request["Authorization"] = "Bearer #{@token}"
      request["Accept"] = "application/json"
      request["Content-Type"] = "application/json"
      request["Accept-Encoding"] = "identity"
      request["User-Agent"] = "expacti-ruby/#{VERSION}"
    end

    def exchange(uri, request, ends_at)
      http = Net::HTTP.new(uri.hostname, uri.port)
      http.use_ssl = @endpoint.https?
      # The open timeout also bounds the TLS handshake.
      http.open_timeout = [@connect_timeout, time_left(ends_at)].min
      http.write_timeout = [@connect_timeout, time_left(ends_at)].min
      http.read_timeout = time_left(ends_at)
      # Retries are the caller's, with backoff and a bound; Net::HTTP would repeat a GET.
      http.max_retries = 0
      answer = nil
      http.start do |connection|
        connection.request(request) do |response|
          answer = Response.new(response.code.to_i, read_body(connection, response, ends_at))
        end
      end
      answer
    end

    def read_body(connection, response, ends_at)
      body = +""
      response.read_body do |chunk|
        body << chunk
        if body.bytesize > MAX_BODY_BYTES
          raise ProtocolError, "the server's answer is larger than #{MAX_BODY_BYTES} bytes"
        end

        # The next read may wait only for what is left of the limit.
        connection.read_timeout = time_left(ends_at)
      end
      body
    end

    # Seconds until +ends_at+; LimitExceeded once it passed.
    def time_left(ends_at)
      left = ends_at - MONOTONIC_CLOCK.call
      raise LimitExceeded, "the exchange took longer than its limit" unless left.positive?

      left
    end
  end
end
