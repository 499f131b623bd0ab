"""Partner connectors: the SDK (``connectors.sdk``) and the partners' connectors built on it.

Each connector is a command, ``ketenhub connector NAME``: ``anonymous-tips``, ``police``,
``care-coordination``, ``riec``, ``heit`` and ``case-handling``.
"""
