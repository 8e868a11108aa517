"""Sanhaojie SME Finance Marketplace. The app is built by `marketplace.app.create_app`.

Importing the package itself loads nothing: the pure rules, models and services under it can be
imported without Flask building an app.
"""
