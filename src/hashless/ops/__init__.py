"""What an operator runs beside the service: doctor, IAM policy, status, reconcile.

Framework-free: the CLI and the admin dashboard are thin layers over these modules.
"""
