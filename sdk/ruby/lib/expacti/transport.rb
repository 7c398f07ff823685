# frozen_string_literal: true

require "json"
require "net/http"
require "openssl"

require_relative "errors"
require_relative "version"

module Expacti
  # One HTTP exchange with the server, on a connection of its own (so concurrent runs
  # never share one), with the agent token in the Authorization header only.
  class Transport
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
    MAX_BODY_BYTES = 4 << 20

    def initialize(endpoint, token, connect_timeout:)
      @endpoint = endpoint
      @token = token
      @connect_timeout = connect_timeout
    end

    # POST +body+ (a Hash, sent as JSON) or GET when +body+ is nil; the Response.
    # NetworkFailure when it did not get through; ProtocolError for an oversized answer.
    def call(path, body: nil, query: nil, read_timeout:)
      uri = @endpoint.uri(path, query)
      request = body.nil? ? Net::HTTP::Get.new(uri) : Net::HTTP::Post.new(uri)
      headers(request)
      request.body = JSON.generate(body) unless body.nil?
      exchange(uri, request, read_timeout)
    rescue *NETWORK_ERRORS => e
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

    def exchange(uri, request, read_timeout)
      http = Net::HTTP.new(uri.hostname, uri.port)
      http.use_ssl = @endpoint.https?
      http.open_timeout = @connect_timeout
      http.write_timeout = @connect_timeout
      http.read_timeout = read_timeout
      # Retries are the caller's, with backoff and a bound; Net::HTTP would repeat a GET.
      http.max_retries = 0
      answer = nil
      http.start do |connection|
        connection.request(request) { |response| answer = Response.new(response.code.to_i, read_body(response)) }
      end
      answer
    end

    def read_body(response)
      body = +""
      response.read_body do |chunk|
        body << chunk
        next if body.bytesize <= MAX_BODY_BYTES

        raise ProtocolError, "the server's answer is larger than #{MAX_BODY_BYTES} bytes"
      end
      body
    end
  end
end
