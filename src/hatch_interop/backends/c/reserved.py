"""Names C compilers know before the header declares anything, beyond the keywords.

A symbol, type or constant of the crate with one of these names cannot be declared at file scope:
gcc declares most of the C library as built-in functions (``free``, ``malloc``, ``printf``, ``exit``,
``sin``...), so a declaration with another signature fails ``-Wall -Werror``, and in GNU modes it
predefines macros such as ``linux`` and ``unix``, which would rewrite any use of the name.
"""

from __future__ import annotations

from typing import FrozenSet

#: The functions gcc 12+ declares as built-ins on glibc: every name of libc and libm whose redeclaration with
#: another signature gcc rejects under ``-Wall -Werror`` (in C99, C11 and GNU modes, with ``<math.h>``).
#: Measured by declaring each exported name of libc.so.6 and libm.so.6; fixed here so the output does not
#: depend on the machine that generates it.
C_LIBRARY_NAMES: FrozenSet[str] = frozenset(
    """
    abort abs acos acosf acosh acoshf acoshl acosl aligned_alloc asin asinf asinh asinhf asinhl
    asinl atan atan2 atan2f atan2l atanf atanh atanhf atanhl atanl bcmp bcopy bzero cabs cabsf cabsl
    cacos cacosf cacosh cacoshf cacoshl cacosl calloc carg cargf cargl casin casinf casinh casinhf
    casinhl casinl catan catanf catanh catanhf catanhl catanl cbrt cbrtf cbrtl ccos ccosf ccosh
    ccoshf ccoshl ccosl ceil ceilf ceilf128 ceilf32 ceilf32x ceilf64 ceilf64x ceill cexp cexpf cexpl
    cimag cimagf cimagl clog clog10 clog10f clog10l clogf clogl conj conjf conjl copysign copysignf
    copysignf128 copysignf32 copysignf32x copysignf64 copysignf64x copysignl cos cosf cosh coshf
    coshl cosl cpow cpowf cpowl cproj cprojf cprojl creal crealf creall csin csinf csinh csinhf
    csinhl csinl csqrt csqrtf csqrtl ctan ctanf ctanh ctanhf ctanhl ctanl dcgettext dgettext drem
    dremf dreml erf erfc erfcf erfcl erff erfl execl execle execlp execv execve execvp exit exp
    exp10 exp10f exp10l exp2 exp2f exp2l expf expl expm1 expm1f expm1l fabs fabsf fabsf128 fabsf32
    fabsf32x fabsf64 fabsf64x fabsl fdim fdimf fdiml feclearexcept fegetenv fegetexceptflag
    fegetround feholdexcept feraiseexcept fesetenv fesetexceptflag fesetround fetestexcept
    feupdateenv ffs ffsl ffsll finite finitef finitel floor floorf floorf128 floorf32 floorf32x
    floorf64 floorf64x floorl fma fmaf fmaf128 fmaf32 fmaf32x fmaf64 fmaf64x fmal fmax fmaxf
    fmaxf128 fmaxf32 fmaxf32x fmaxf64 fmaxf64x fmaxl fmin fminf fminf128 fminf32 fminf32x fminf64
    fminf64x fminl fmod fmodf fmodl fork fprintf fputc fputc_unlocked fputs fputs_unlocked free
    frexp frexpf frexpl fscanf fwrite fwrite_unlocked gamma gammaf gammal gettext hypot hypotf
    hypotl ilogb ilogbf ilogbl imaxabs index isalnum isalpha isascii isblank iscntrl isdigit isgraph
    isinf isinff isinfl islower isnan isnanf isnanl isprint ispunct isspace isupper iswalnum
    iswalpha iswblank iswcntrl iswdigit iswgraph iswlower iswprint iswpunct iswspace iswupper
    iswxdigit isxdigit j0 j0f j0l j1 j1f j1l jn jnf jnl labs ldexp ldexpf ldexpl lgamma lgamma_r
    lgammaf lgammaf_r lgammal lgammal_r llabs llrint llrintf llrintl llround llroundf llroundl log
    log10 log10f log10l log1p log1pf log1pl log2 log2f log2l logb logbf logbl logf logl lrint lrintf
    lrintl lround lroundf lroundl malloc memchr memcmp memcpy memmove mempcpy memset modf modff
    modfl nan nanf nanf128 nanf32 nanf32x nanf64 nanf64x nanl nearbyint nearbyintf nearbyintf128
    nearbyintf32 nearbyintf32x nearbyintf64 nearbyintf64x nearbyintl nextafter nextafterf nextafterl
    nexttoward nexttowardf nexttowardl posix_memalign pow pow10 pow10f pow10l powf powl printf putc
    putc_unlocked putchar putchar_unlocked puts realloc remainder remainderf remainderl remquo
    remquof remquol rindex rint rintf rintf128 rintf32 rintf32x rintf64 rintf64x rintl round
    roundeven roundevenf roundevenf128 roundevenf32 roundevenf32x roundevenf64 roundevenf64x
    roundevenl roundf roundf128 roundf32 roundf32x roundf64 roundf64x roundl scalb scalbf scalbl
    scalbln scalblnf scalblnl scalbn scalbnf scalbnl scanf signgam significand significandf
    significandl sin sincos sincosf sincosl sinf sinh sinhf sinhl sinl snprintf sprintf sqrt sqrtf
    sqrtf128 sqrtf32 sqrtf32x sqrtf64 sqrtf64x sqrtl sscanf stpcpy stpncpy strcasecmp strcat strchr
    strcmp strcpy strcspn strdup strfmon strftime strlen strncasecmp strncat strncmp strncpy strndup
    strnlen strpbrk strrchr strspn strstr tan tanf tanh tanhf tanhl tanl tgamma tgammaf tgammal
    toascii tolower toupper towlower towupper trunc truncf truncf128 truncf32 truncf32x truncf64
    truncf64x truncl vfprintf vfscanf vprintf vscanf vsnprintf vsprintf vsscanf y0 y0f y0l y1 y1f
    y1l yn ynf ynl
    """.split()  # noqa: SIM905 (a word list reads better than a literal of 500 strings)
)

#: Macros compilers predefine without a reserved (``__``/``_X``) prefix in their GNU modes, on the platforms
#: a wheel is built for and a few more: any use of the name, even as a field, is replaced by ``1``.
C_PREDEFINED_MACROS: FrozenSet[str] = frozenset(
    """
    linux unix i386 i486 i586 i686 sun sparc mips vax mc68000 m68k pdp11 ns32000 hp9000 hp9000s300
    hp9000s700 hppa sgi sony apollo aegis gcos gcos8 tss tss8 u370 u3b u3b2 u3b5 u3b15 u3b20d ibm
    osf bsd4_2 bsd4_3 bsd4_4 ultrix unos ardent sel ns16000 pyr MIPSEB MIPSEL
    """.split()  # noqa: SIM905 (a word list reads better than a literal of strings)
)


def is_reserved_form(name: str) -> bool:
    """Whether C reserves the identifier for the implementation everywhere: ``__x`` or ``_X``."""
    return name.startswith("__") or (name[:1] == "_" and name[1:2].isupper())
