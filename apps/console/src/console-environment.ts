import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsInt, Max, Min } from 'class-validator';
import { DatabaseServiceEnvironment } from '@cube/service-runtime';

const toBoolean = ({ value }: { value: unknown }) =>
  value === 'true' || value === '1' ? true : value === 'false' || value === '0' ? false : value;

/** The console service's limits (README "Configuration" and "Web terminals"). */
export class ConsoleEnvironment extends DatabaseServiceEnvironment {
  /** Seconds without input or output after which the gateway closes a terminal. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(86_400)
  CUBE_CONSOLE_IDLE_TIMEOUT = 900;

  /** Seconds a terminal may stay open at most, busy or not. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(7 * 86_400)
  CUBE_CONSOLE_MAX_DURATION = 14_400;

  /** Terminals one user may have open (or about to open) at once; one more is refused with 429. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  CUBE_CONSOLE_MAX_SESSIONS_PER_USER = 5;

  /** Seconds a stream ticket stays valid (the 30 s; shorter only for tests). */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(300)
  CUBE_CONSOLE_TICKET_TTL = 30;

  /** Record keystrokes as well as output (asciicast `i` events). */
  @Transform(toBoolean)
  @IsBoolean()
  CUBE_CONSOLE_RECORD_INPUT = true;
}
