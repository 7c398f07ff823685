# frozen_string_literal: true

require "uri"

module Expacti
  # Where the server is: its HTTP base URL, from what a user may have at hand.
  #
  # `http(s)://host[:port][/prefix]` is taken as is; `ws(s)://host[:port][/prefix]/shell/ws`
  # (EXPACTI_URL, as the WebSocket SDKs take it) maps to `http(s)://host[:port][/prefix]`.
  class Endpoint
    WEBSOCKET_PATH = "/shell/ws"
    SCHEMES = { "http" => "http", "https" => "https", "ws" => "http", "wss" => "https" }.freeze

    attr_reader :base

    def initialize(url)
      uri = parse(url)
      path = uri.path.chomp("/")
      if %w[ws wss].include?(uri.scheme)
        unless path.end_with?(WEBSOCKET_PATH)
          raise ArgumentError, "a #{uri.scheme}:// URL must name the agent WebSocket (.../shell/ws), got #{url.inspect}"
        end

        path = path.delete_suffix(WEBSOCKET_PATH)
      end
      @base = URI::Generic.build(scheme: SCHEMES.fetch(uri.scheme), host: uri.host, port: uri.port, path: path)
                          .then { |built| URI.parse(built.to_s) }
      freeze
    end

    # The URI of +path+ ("/api/v1/commands") on this server, with +query+ (a Hash).
    def uri(path, query = nil)
      built = base.dup
      built.path = base.path + path
      built.query = URI.encode_www_form(query) if query
      built
    end

    def https?
      base.scheme == "https"
    end

    def to_s
      base.to_s
    end

    private

    def parse(url)
      raise ArgumentError, "url must be a String, not #{url.class}" unless url.is_a?(String)

      uri = URI.parse(url)
      unless SCHEMES.key?(uri.scheme) && uri.host && !uri.host.empty?
        raise ArgumentError, "expected an http(s):// base URL or a ws(s)://host/shell/ws URL, got #{url.inspect}"
      end
      # The token travels only in the Authorization header; a URL that carries anything
      # else (user:password@, ?query) is more likely a mistake than a need.
      if uri.userinfo || uri.query || uri.fragment
        raise ArgumentError, "the URL must not hold user information, a query or a fragment"
      end

      uri
    rescue URI::InvalidURIError
      raise ArgumentError, "expected an http(s):// base URL or a ws(s)://host/shell/ws URL, got #{url.inspect}"
    end
  end
end
