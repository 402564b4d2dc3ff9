"""The practice app's sections of the community home, the dashboard and the value report, one module
per area, registered in ``PracticeConfig.ready``.
"""
