"""The reviewer web app: built from ``web/`` into ``webapp/dist`` and served at ``/app``."""
