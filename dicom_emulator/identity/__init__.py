"""The local identity service: a stand-in for Microsoft Entra ID and Azure RBAC.

Apps and role assignments (``directory``), tokens (``tokens``, ``keys``), the Entra-shaped
endpoints (``routes``), their management over HTTP and the command line (``admin``,
``cli``), and the check in front of the DICOM API (``enforcement``).
"""
