"""Small helpers for sensor readings, imported by the example's task node after a sync."""


def average(values):
    """Mean of a list of numbers; None for an empty list."""
    if not values:
        return None
    return sum(values) / len(values)


def to_volts(raw, vref=3.3):
    # ADC.read_u16() gives 0..65535 whatever the converter's real resolution
    return raw * vref / 65535
